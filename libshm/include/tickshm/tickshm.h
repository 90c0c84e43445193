/* SPDX-License-Identifier: MIT */
/* Umbrella header for libtickshm-shm. */
#ifndef TICKSHM_TICKSHM_H
#define TICKSHM_TICKSHM_H

#include "tickshm/catalog.h"
#include "tickshm/common.h"
#include "tickshm/format.h"
#include "tickshm/gc.h"
#include "tickshm/history.h"
#include "tickshm/layout.h"
#include "tickshm/pool.h"
#include "tickshm/segment.h"
#include "tickshm/text.h"

#endif /* TICKSHM_TICKSHM_H */
