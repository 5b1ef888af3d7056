/*
** optim_kinds.h -- the optimizer registry: one line per kind, in the order
** help and error messages list them.  Each SX_OPTIM(name) refers to the
** 'sx_optim_class sx_optim_name' its own file defines; optim.c includes this
** list to declare them and to build the table of classes.
*/
SX_OPTIM(sgd)
SX_OPTIM(adam)
SX_OPTIM(adamw)
SX_OPTIM(rmsprop)
SX_OPTIM(adagrad)
SX_OPTIM(adadelta)
SX_OPTIM(adamax)
SX_OPTIM(nadam)
SX_OPTIM(radam)
SX_OPTIM(rprop)
SX_OPTIM(asgd)
SX_OPTIM(lbfgs)
SX_OPTIM(newton)
SX_OPTIM(anneal)
SX_OPTIM(nelder_mead)
SX_OPTIM(cg)
SX_OPTIM(bfgs)
SX_OPTIM(cmaes)
SX_OPTIM(de)
