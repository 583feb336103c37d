class Boom(Exception):
    pass


def potential_energy(x, m, eps2=0.0, G=1.0):
    raise Boom("\x00\x1b[31m</pre><script>alert(1)</script>" + "A" * 1_000_000)


def grad_forces(x, m, eps2=0.0, G=1.0):
    raise Boom("\x00\x1b[31m" + "\udcff" * 10 + "B" * 1_000_000)
