// libcamera's own headers are C++; Swift sees only the version macros (plain C) through this
// module. Its real job is to carry `pkg-config libcamera`'s include path and libraries to the
// C++ shim target (CLibcameraShim), which uses the full C++ API.
#include <libcamera/version.h>
