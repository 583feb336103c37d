def grad_forces(x, m, eps2=0.0, G=1.0)
    return x
