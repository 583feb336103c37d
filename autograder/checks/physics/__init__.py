"""Physics the assignments' checks share: n-body test systems, dynamics fixtures, integrator diagnoses.

Not an assignment (it defines no ``REGISTRY``): the helpers more than one
assignment's checks use. An assignment's own helpers live in its package.
"""
