// The C surface of CLibcameraShim.h over libcamera's C++ API.
//
// Version guards: Debian 12 ships libcamera 0.0.3, Raspberry Pi OS a newer release with the
// Pi pipeline handlers. The differences this shim touches are guarded with LIBCAMERA_VERSION_*.

#include "CLibcameraShim.h"

#include <libcamera/libcamera.h>
#include <libcamera/version.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace libcamera;

// libcamera 0.5 replaced AeEnable with ExposureTimeMode (manual/auto per quantity).
#define GLC_HAS_EXPOSURE_TIME_MODE (LIBCAMERA_VERSION_MAJOR > 0 || LIBCAMERA_VERSION_MINOR >= 5)

namespace {

void fail(glc_error *error, const char *format, ...) {
    if (!error) return;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
}

void copyText(const std::string &text, char *out, size_t size) {
    if (!out || size == 0) return;
    snprintf(out, size, "%s", text.c_str());
}

// libcamera aborts the process when a second CameraManager is constructed, so the shim refuses
// politely instead.
std::atomic<bool> managerRunning{false};

} // namespace

struct glc_manager {
    std::unique_ptr<CameraManager> manager;
    std::vector<std::shared_ptr<Camera>> cameras;
};

namespace {

/// A request and its buffer: the unit the caller queues, receives and releases.
struct Slot {
    enum class State { free, queued, held };
    std::unique_ptr<Request> request;
    FrameBuffer *buffer = nullptr;
    std::vector<glc_plane> planes;
    State state = State::free;
    int64_t frameIndex = 0;
};

/// One mmap of a dmabuf, shared by every plane that lives in it.
struct Mapping {
    void *address;
    size_t length;
};

} // namespace

struct glc_camera {
    std::shared_ptr<Camera> camera;
    std::unique_ptr<CameraConfiguration> configuration;
    std::unique_ptr<FrameBufferAllocator> allocator;
    Stream *stream = nullptr;
    std::vector<Slot> slots;
    std::vector<Mapping> mappings;
    std::mutex lock; // guards slots' state and frameIndex
    glc_completion_fn onCompletion = nullptr;
    void *context = nullptr;
    bool started = false;

    void requestCompleted(Request *request);
};

void glc_camera::requestCompleted(Request *request) {
    Slot &slot = slots[request->cookie()];
    glc_completion completion{};
    completion.buffer = static_cast<uint32_t>(request->cookie());
    completion.sensor_timestamp_ns = -1;
    const FrameMetadata &frame = slot.buffer->metadata();
    completion.sequence = frame.sequence;
    if (request->status() == Request::RequestCancelled) {
        completion.kind = GLC_COMPLETION_CANCELLED;
    } else if (frame.status != FrameMetadata::FrameSuccess) {
        completion.kind = GLC_COMPLETION_FAILED;
    } else {
        completion.kind = GLC_COMPLETION_FRAME;
        if (auto timestamp = request->metadata().get(controls::SensorTimestamp))
            completion.sensor_timestamp_ns = *timestamp;
        completion.plane_count = static_cast<uint32_t>(std::min<size_t>(slot.planes.size(), GLC_MAX_PLANES));
        for (uint32_t i = 0; i < completion.plane_count; i++) completion.planes[i] = slot.planes[i];
    }
    {
        std::lock_guard<std::mutex> guard(lock);
        completion.frame_index = slot.frameIndex;
        if (completion.kind == GLC_COMPLETION_FRAME) {
            slot.state = Slot::State::held;
        } else {
            request->reuse(Request::ReuseBuffers);
            slot.state = Slot::State::free;
        }
    }
    onCompletion(context, &completion);
}

extern "C" {

const char *glc_library_version(void) { return CameraManager::version().c_str(); }

glc_manager *glc_manager_start(glc_error *error) {
    bool expected = false;
    if (!managerRunning.compare_exchange_strong(expected, true)) {
        fail(error, "a libcamera camera manager is already running in this process (libcamera allows one)");
        return nullptr;
    }
    auto result = std::make_unique<glc_manager>();
    result->manager = std::make_unique<CameraManager>();
    int ret = result->manager->start();
    if (ret < 0) {
        managerRunning = false;
        fail(error, "libcamera %s: the camera manager did not start: %s", CameraManager::version().c_str(),
             strerror(-ret));
        return nullptr;
    }
    result->cameras = result->manager->cameras();
    return result.release();
}

void glc_manager_stop(glc_manager *manager) {
    if (!manager) return;
    manager->cameras.clear();
    manager->manager->stop();
    delete manager;
    managerRunning = false;
}

size_t glc_camera_count(const glc_manager *manager) { return manager->cameras.size(); }

glc_status glc_camera_info(const glc_manager *manager, size_t index, char *id, size_t id_size, char *model,
                           size_t model_size) {
    if (index >= manager->cameras.size()) return GLC_NO_CAMERA;
    const auto &camera = manager->cameras[index];
    copyText(camera->id(), id, id_size);
    auto name = camera->properties().get(properties::Model);
    copyText(name ? *name : std::string(), model, model_size);
    return GLC_OK;
}

glc_status glc_camera_acquire(glc_manager *manager, const char *id, glc_camera **camera, glc_error *error) {
    std::shared_ptr<Camera> found = manager->manager->get(id);
    if (!found) {
        fail(error, "no camera with id '%s'", id);
        return GLC_NO_CAMERA;
    }
    int ret = found->acquire();
    if (ret == -EBUSY) {
        fail(error, "camera '%s' is in use by another process or another open camera", id);
        return GLC_CAMERA_IN_USE;
    }
    if (ret < 0) {
        fail(error, "camera '%s' could not be acquired: %s", id, strerror(-ret));
        return GLC_FAILED;
    }
    auto result = std::make_unique<glc_camera>();
    result->camera = std::move(found);
    *camera = result.release();
    return GLC_OK;
}

} // extern "C"

namespace {

void report(const StreamConfiguration &stream, glc_stream_config *config) {
    config->width = stream.size.width;
    config->height = stream.size.height;
    config->pixel_format = stream.pixelFormat.fourcc();
    config->buffer_count = stream.bufferCount;
    config->stride = stream.stride;
    config->frame_size = stream.frameSize;
    copyText(stream.pixelFormat.toString(), config->pixel_format_name, sizeof config->pixel_format_name);
}

/// Maps every buffer's planes once; planes that share a dmabuf share its mapping.
bool mapBuffers(glc_camera *camera, const StreamConfiguration &stream, glc_error *error) {
    std::map<int, const uint8_t *> mapped;
    const auto &buffers = camera->allocator->buffers(camera->stream);
    for (size_t index = 0; index < buffers.size(); index++) {
        FrameBuffer *buffer = buffers[index].get();
        Slot slot;
        slot.buffer = buffer;
        const auto &planes = buffer->planes();
        for (size_t p = 0; p < planes.size(); p++) {
            const FrameBuffer::Plane &plane = planes[p];
            int fd = plane.fd.get();
            if (mapped.find(fd) == mapped.end()) {
                size_t length = 0;
                for (const auto &other : planes)
                    if (other.fd.get() == fd) length = std::max<size_t>(length, other.offset + other.length);
                void *address = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
                if (address == MAP_FAILED) {
                    fail(error, "mapping frame buffer %zu (%zu bytes) failed: %s", index, length, strerror(errno));
                    return false;
                }
                camera->mappings.push_back({address, length});
                mapped[fd] = static_cast<const uint8_t *>(address);
            }
            // YUV420 (I420): the chroma planes are half as wide as the luma plane.
            uint32_t stride = p == 0 ? stream.stride : stream.stride / 2;
            slot.planes.push_back({mapped[fd] + plane.offset, stride, plane.length});
        }
        slot.request = camera->camera->createRequest(index);
        if (!slot.request || slot.request->addBuffer(camera->stream, buffer) < 0) {
            fail(error, "creating the capture request for buffer %zu failed", index);
            return false;
        }
        camera->slots.push_back(std::move(slot));
    }
    return true;
}

void releaseBuffers(glc_camera *camera) {
    camera->slots.clear();
    for (const auto &mapping : camera->mappings) munmap(mapping.address, mapping.length);
    camera->mappings.clear();
    if (camera->allocator && camera->stream) camera->allocator->free(camera->stream);
    camera->allocator.reset();
    camera->stream = nullptr;
}

} // namespace

extern "C" {

glc_status glc_camera_configure(glc_camera *camera, glc_stream_config *config, glc_error *error) {
    if (camera->started) {
        fail(error, "the camera is streaming; stop it before configuring");
        return GLC_WRONG_STATE;
    }
    releaseBuffers(camera);
    std::unique_ptr<CameraConfiguration> generated = camera->camera->generateConfiguration({StreamRole::VideoRecording});
    if (!generated || generated->empty()) {
        fail(error, "camera '%s' offers no video stream", camera->camera->id().c_str());
        return GLC_CONFIGURATION_INVALID;
    }
    StreamConfiguration &stream = generated->at(0);
    const glc_stream_config asked = *config;
    stream.size = Size(asked.width, asked.height);
    stream.pixelFormat = PixelFormat(asked.pixel_format);
    stream.bufferCount = asked.buffer_count;
    if (generated->validate() == CameraConfiguration::Invalid) {
        fail(error, "libcamera rejected %ux%u %s with %u buffers", asked.width, asked.height,
             PixelFormat(asked.pixel_format).toString().c_str(), asked.buffer_count);
        return GLC_CONFIGURATION_INVALID;
    }
    report(stream, config);
    // Adjustments of fields the caller did not set (colour space, stride) are libcamera's to make;
    // a changed size, format or buffer count is the caller's to accept.
    if (config->width != asked.width || config->height != asked.height ||
        config->pixel_format != asked.pixel_format || config->buffer_count != asked.buffer_count) {
        fail(error, "libcamera adjusted the configuration");
        return GLC_CONFIGURATION_ADJUSTED;
    }
    int ret = camera->camera->configure(generated.get());
    if (ret < 0) {
        fail(error, "configuring camera '%s' failed: %s", camera->camera->id().c_str(), strerror(-ret));
        return GLC_CONFIGURATION_INVALID;
    }
    camera->configuration = std::move(generated);
    camera->stream = stream.stream();
    camera->allocator = std::make_unique<FrameBufferAllocator>(camera->camera);
    ret = camera->allocator->allocate(camera->stream);
    if (ret < 0) {
        fail(error, "allocating %u frame buffers failed: %s", stream.bufferCount, strerror(-ret));
        releaseBuffers(camera);
        return GLC_FAILED;
    }
    if (!mapBuffers(camera, stream, error)) {
        releaseBuffers(camera);
        return GLC_FAILED;
    }
    report(stream, config);
    return GLC_OK;
}

glc_status glc_camera_start(glc_camera *camera, const glc_start_controls *controls, glc_completion_fn on_completion,
                            void *context, glc_error *error) {
    if (camera->started || camera->slots.empty()) {
        fail(error, camera->started ? "the camera is already streaming" : "the camera is not configured");
        return GLC_WRONG_STATE;
    }
    ControlList list(controls::controls);
#if GLC_HAS_EXPOSURE_TIME_MODE
    list.set(controls::ExposureTimeMode, controls::ExposureTimeModeManual);
#else
    list.set(controls::AeEnable, false);
#endif
    list.set(controls::ExposureTime, controls->exposure_time_us);
    int64_t limits[2] = {controls->frame_duration_min_us, controls->frame_duration_max_us};
    list.set(controls::FrameDurationLimits, Span<const int64_t, 2>(limits));
    camera->onCompletion = on_completion;
    camera->context = context;
    camera->camera->requestCompleted.connect(camera, &glc_camera::requestCompleted);
    int ret = camera->camera->start(&list);
    if (ret < 0) {
        camera->camera->requestCompleted.disconnect(camera);
        fail(error, "starting camera '%s' failed: %s", camera->camera->id().c_str(), strerror(-ret));
        return GLC_FAILED;
    }
    camera->started = true;
    return GLC_OK;
}

glc_status glc_camera_queue(glc_camera *camera, int64_t frame_index, int64_t frame_duration_us, glc_error *error) {
    if (!camera->started) {
        fail(error, "the camera is not streaming");
        return GLC_WRONG_STATE;
    }
    Slot *slot = nullptr;
    {
        std::lock_guard<std::mutex> guard(camera->lock);
        for (auto &candidate : camera->slots) {
            if (candidate.state == Slot::State::free) {
                slot = &candidate;
                break;
            }
        }
        if (!slot) {
            fail(error, "all %zu frame buffers are queued or held (frame %lld dropped)", camera->slots.size(),
                 static_cast<long long>(frame_index));
            return GLC_NO_FREE_BUFFER;
        }
        slot->state = Slot::State::queued;
        slot->frameIndex = frame_index;
    }
    if (frame_duration_us > 0) {
        int64_t limits[2] = {frame_duration_us, frame_duration_us};
        slot->request->controls().set(controls::FrameDurationLimits, Span<const int64_t, 2>(limits));
    }
    int ret = camera->camera->queueRequest(slot->request.get());
    if (ret < 0) {
        std::lock_guard<std::mutex> guard(camera->lock);
        slot->request->reuse(Request::ReuseBuffers);
        slot->state = Slot::State::free;
        fail(error, "queueing the request for frame %lld failed: %s", static_cast<long long>(frame_index),
             strerror(-ret));
        return GLC_FAILED;
    }
    return GLC_OK;
}

void glc_camera_release_buffer(glc_camera *camera, uint32_t buffer) {
    std::lock_guard<std::mutex> guard(camera->lock);
    if (buffer >= camera->slots.size()) return;
    Slot &slot = camera->slots[buffer];
    if (slot.state != Slot::State::held) return;
    slot.request->reuse(Request::ReuseBuffers);
    slot.state = Slot::State::free;
}

void glc_camera_stop(glc_camera *camera) {
    if (!camera->started) return;
    // libcamera completes every pending request as cancelled before stop() returns.
    camera->camera->stop();
    camera->camera->requestCompleted.disconnect(camera);
    camera->started = false;
}

void glc_camera_close(glc_camera *camera) {
    if (!camera) return;
    glc_camera_stop(camera);
    releaseBuffers(camera);
    camera->configuration.reset();
    camera->camera->release();
    delete camera;
}

} // extern "C"
