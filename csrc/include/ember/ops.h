#pragma once
// Every op of the library as a free function. Names and semantics follow PyTorch: broadcasting,
// type promotion as torch.result_type, dims that may be negative. Python scalars enter as
// Scalar (or as a wrapped-number tensor from scalar_tensor), which never widens a category.
// One header per family, under ember/ops/.
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/complex.h"
#include "ember/ops/reduce.h"
#include "ember/ops/indexing.h"
#include "ember/ops/runtime.h"
#include "ember/ops/linalg.h"
#include "ember/ops/sort.h"
#include "ember/ops/shape.h"
#include "ember/ops/nn.h"
#include "ember/ops/loss.h"
#include "ember/ops/ctc.h"
#include "ember/ops/sparse.h"
