// Shared by the shim's translation units: the opaque types behind CLibcameraShim.h.
#pragma once

#include "CLibcameraShim.h"

#include <libcamera/libcamera.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>


/// Fills `error` (when given) with a printf-formatted sentence.
void glcFail(glc_error *error, const char *format, ...) __attribute__((format(printf, 2, 3)));

/// Copies `text` into a C buffer of `size` bytes, truncating and terminating. A string_view, so
/// both a `std::string` (0.0.x) and the `std::string_view` string controls of 0.5+ fit.
void glcCopyText(std::string_view text, char *out, size_t size);

struct glc_manager {
    std::unique_ptr<libcamera::CameraManager> manager;
    std::vector<std::shared_ptr<libcamera::Camera>> cameras;
};

/// A request and its buffer: the unit the caller queues, receives and releases.
struct GlcSlot {
    enum class State { free, queued, held };
    std::unique_ptr<libcamera::Request> request;
    libcamera::FrameBuffer *buffer = nullptr;
    std::vector<glc_plane> planes;
    State state = State::free;
    int64_t frameIndex = 0;
};

/// One mmap of a dmabuf, shared by every plane that lives in it.
struct GlcMapping {
    void *address;
    size_t length;
};

struct glc_camera {
    std::shared_ptr<libcamera::Camera> camera;
    std::unique_ptr<libcamera::CameraConfiguration> configuration;
    std::unique_ptr<libcamera::FrameBufferAllocator> allocator;
    /// Buffers the shim made itself (memfd planes) when the allocator could not allocate.
    std::vector<std::unique_ptr<libcamera::FrameBuffer>> ownBuffers;
    libcamera::Stream *stream = nullptr;
    std::vector<GlcSlot> slots;
    std::vector<GlcMapping> mappings;
    std::mutex lock; // guards slots' state and frameIndex
    glc_completion_fn onCompletion = nullptr;
    void *context = nullptr;
    bool started = false;

    /// libcamera's requestCompleted signal, on its own thread.
    void requestCompleted(libcamera::Request *request);
};
