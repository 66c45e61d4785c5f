#pragma once

/// IMGBATCH_API marks what libimgbatch exports. The library is built with hidden visibility, so
/// everything not marked (the decoders, the flow graph, oneTBB, libjpeg, libpng and spdlog code it
/// instantiates) stays inside it; the exception classes are marked too, so that a `catch` in the
/// program matches what the library throws.
#if defined(_WIN32)
#define IMGBATCH_API
#else
#define IMGBATCH_API __attribute__((visibility("default")))
#endif
