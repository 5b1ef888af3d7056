/*
** schedule_kinds.h -- the schedule registry: one line per kind, in the order
** help and error messages list them.  Each SX_SCHEDULE(name) refers to the
** 'sx_skind sx_sched_name' its file defines; schedule.c includes this list
** to declare them and to build the table of kinds.
*/
SX_SCHEDULE(constant)
SX_SCHEDULE(step)
SX_SCHEDULE(multistep)
SX_SCHEDULE(exponential)
SX_SCHEDULE(inverse)
SX_SCHEDULE(cosine)
SX_SCHEDULE(cosine_restarts)
SX_SCHEDULE(linear)
SX_SCHEDULE(poly)
SX_SCHEDULE(onecycle)
SX_SCHEDULE(cyclic)
SX_SCHEDULE(plateau)
