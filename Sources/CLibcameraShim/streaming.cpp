// Streaming: start with fixed controls, queue, completions, release, stop.
//
// Version guards: Debian 12 ships libcamera 0.0.3, Raspberry Pi OS the Raspberry Pi fork (0.5 and
// later) with the Pi pipeline handlers. Controls that came or went between them are guarded by
// the per-control macros libcamera's generated control_ids.h defines since it has had them
// (LIBCAMERA_HAS_LIBCAMERA_VENDOR_CONTROLS_<NAME>; 0.0.3 defines none, and has neither control).

#include "internal.hpp"

#include <algorithm>
#include <cstring>

using namespace libcamera;

void glc_camera::requestCompleted(Request *request) {
    GlcSlot &slot = slots[request->cookie()];
    glc_completion completion{};
    completion.buffer = static_cast<uint32_t>(request->cookie());
    completion.sensor_timestamp_ns = -1;
    completion.wall_clock_ns = -1;
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
#ifdef LIBCAMERA_HAS_LIBCAMERA_VENDOR_CONTROLS_FRAME_WALL_CLOCK
        // The Pi pipelines report it (the virtual pipeline does not): see CameraFrame.wallClock.
        if (auto wallClock = request->metadata().get(controls::FrameWallClock))
            completion.wall_clock_ns = *wallClock;
#endif
        completion.plane_count = static_cast<uint32_t>(std::min<size_t>(slot.planes.size(), GLC_MAX_PLANES));
        for (uint32_t i = 0; i < completion.plane_count; i++) completion.planes[i] = slot.planes[i];
    }
    {
        std::lock_guard<std::mutex> guard(lock);
        completion.frame_index = slot.frameIndex;
        if (completion.kind == GLC_COMPLETION_FRAME) {
            slot.state = GlcSlot::State::held;
        } else {
            request->reuse(Request::ReuseBuffers);
            slot.state = GlcSlot::State::free;
        }
    }
    onCompletion(context, &completion);
}

extern "C" {

glc_status glc_camera_start(glc_camera *camera, const glc_start_controls *controls, glc_completion_fn on_completion,
                            void *context, glc_error *error) {
    if (camera->started || camera->slots.empty()) {
        glcFail(error, camera->started ? "the camera is already streaming" : "the camera is not configured");
        return GLC_WRONG_STATE;
    }
    ControlList list(controls::controls);
#ifdef LIBCAMERA_HAS_LIBCAMERA_VENDOR_CONTROLS_EXPOSURE_TIME_MODE
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
        glcFail(error, "starting camera '%s' failed: %s", camera->camera->id().c_str(), strerror(-ret));
        return GLC_FAILED;
    }
    camera->started = true;
    return GLC_OK;
}

glc_status glc_camera_queue(glc_camera *camera, int64_t frame_index, int64_t frame_duration_us, glc_error *error) {
    if (!camera->started) {
        glcFail(error, "the camera is not streaming");
        return GLC_WRONG_STATE;
    }
    GlcSlot *slot = nullptr;
    {
        std::lock_guard<std::mutex> guard(camera->lock);
        for (auto &candidate : camera->slots) {
            if (candidate.state == GlcSlot::State::free) {
                slot = &candidate;
                break;
            }
        }
        if (!slot) {
            glcFail(error, "all %zu frame buffers are queued or held (frame %lld dropped)", camera->slots.size(),
                 static_cast<long long>(frame_index));
            return GLC_NO_FREE_BUFFER;
        }
        slot->state = GlcSlot::State::queued;
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
        slot->state = GlcSlot::State::free;
        glcFail(error, "queueing the request for frame %lld failed: %s", static_cast<long long>(frame_index),
             strerror(-ret));
        return GLC_FAILED;
    }
    return GLC_OK;
}

void glc_camera_release_buffer(glc_camera *camera, uint32_t buffer) {
    std::lock_guard<std::mutex> guard(camera->lock);
    if (buffer >= camera->slots.size()) return;
    GlcSlot &slot = camera->slots[buffer];
    if (slot.state != GlcSlot::State::held) return;
    slot.request->reuse(Request::ReuseBuffers);
    slot.state = GlcSlot::State::free;
}

glc_buffer_counts glc_camera_buffer_counts(glc_camera *camera) {
    glc_buffer_counts counts{};
    std::lock_guard<std::mutex> guard(camera->lock);
    for (const auto &slot : camera->slots) {
        switch (slot.state) {
        case GlcSlot::State::free: counts.free++; break;
        case GlcSlot::State::queued: counts.queued++; break;
        case GlcSlot::State::held: counts.held++; break;
        }
    }
    return counts;
}

void glc_camera_stop(glc_camera *camera) {
    if (!camera->started) return;
    // libcamera completes every pending request as cancelled before stop() returns.
    camera->camera->stop();
    camera->camera->requestCompleted.disconnect(camera);
    camera->started = false;
}
} // extern "C"
