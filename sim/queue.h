/* queue: a business's capacity, the day's waiting time and balking.
 *
 * Seed 003 (../shared/DOMAIN.md section 3): past 10 minutes of waiting some
 * customers leave, past 20 the loss climbs fast, past 30 more leave than
 * join.  The optional [capacity] section gives the business servers (seats,
 * tables, chairs), minutes per service and the hours its demand spreads
 * over; each day the engine turns that day's demand into one waiting time
 * (queue_day_wait) and every arrival balks with the curve's probability at
 * that wait (queue_balk).  Without the section nothing changes.
 *
 * The mathematics, with sources, is in queue.c and docs/queue.md. */
#ifndef RETSIM_QUEUE_H
#define RETSIM_QUEUE_H

#include "scenario.h"

typedef struct capacity_params {
    int servers;              /* seats, tables or chairs served at once */
    double service_minutes;   /* mean minutes one service takes */
    double open_hours;        /* hours a day the demand spreads over */
    double balk_at_10, balk_at_20, balk_at_30;  /* the balking curve's knots */
    /* what the wait costs a customer who stays, for models that count it
     * (models/satisfaction.c): a non-money cost per minute beyond the
     * minutes they take for granted; KEY_PER_BILL, so NAN until the model
     * that knows the bill calls scen_default_per_bill */
    double wait_cost_per_minute, wait_minutes_accepted;
} capacity_params;

extern const scen_section section_capacity;

/* Erlang's C formula: the probability that an arrival has to wait in an
 * M/M/c queue with c servers and offered load a = lambda / mu (erlangs);
 * 1 when a >= c (the stationary queue does not exist). */
double queue_erlang_c(int c, double a);

/* The stationary M/M/c mean wait in queue (not counting service), in the
 * time unit of the rates; INFINITY when lambda >= c mu. */
double queue_mmc_wait(int c, double lambda, double mu);

/* The mean wait in minutes over a day of T = open minutes, for arrivals at
 * lambda a minute (before balking): the stationary M/M/c wait, but never
 * more than the wait a queue opening empty reaches over T (fluid growth
 * plus its diffusion at critical load), nor more than T. */
double queue_open_wait(const capacity_params *p, double lambda);

/* The balking probability at a wait of w minutes: the piecewise linear
 * curve through (0, 0), (10, balk_at_10), (20, balk_at_20), (30,
 * balk_at_30), continued at its last slope beyond 30 minutes, within 0..1. */
double queue_balk(const capacity_params *p, double w);

/* The day's wait in minutes for demand arrivals due over the day (visits
 * and first purchases), and through *balk the share of them who balk:
 * the fixed point W = queue_open_wait(lambda (1 - balk(W))), since those
 * who walk away do not lengthen the queue.  0 with *balk = 0 when demand
 * is 0. */
double queue_day_wait(const capacity_params *p, double demand, double *balk);

#endif
