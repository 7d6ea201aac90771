"""The Pyomo formulation of the training-plan MIP (numbers in, ConcreteModel out; no I/O, no solver)."""
