#pragma once
// EMBER_API marks the symbols libember exports; everything else is hidden.
#if defined(EMBER_BUILDING_LIBRARY)
#define EMBER_API __attribute__((visibility("default")))
#else
#define EMBER_API
#endif
