#pragma once
// The C++ API of ember: #include <ember/ember.h> and link ember::ember.
#include "ember/api.h"
#include "ember/cuda.h"
#include "ember/device.h"
#include "ember/dtype.h"
#include "ember/error.h"
#include "ember/ops.h"
#include "ember/ops/optim.h"
#include "ember/ops/rnn.h"
#include "ember/random.h"
#include "ember/scalar.h"
#include "ember/tensor.h"
