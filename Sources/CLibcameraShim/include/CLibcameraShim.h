// A small C surface over libcamera's C++ API, for Swift.
//
// Kept deliberately narrow (one 4:2:0 stream, fixed exposure, frame duration limits) so the
// differences between Debian's libcamera 0.0.x and Raspberry Pi OS's newer releases (the fork,
// 0.5 and later) stay inside the .cpp files, behind LIBCAMERA_VERSION_* guards.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a call came to. Every failing call also fills a `glc_error` with a sentence.
typedef enum glc_status {
    GLC_OK = 0,
    GLC_NO_CAMERA = 1,
    GLC_CAMERA_IN_USE = 2,
    GLC_CONFIGURATION_ADJUSTED = 3,
    GLC_CONFIGURATION_INVALID = 4,
    GLC_NO_FREE_BUFFER = 5,
    GLC_WRONG_STATE = 6,
    GLC_FAILED = 7,
} glc_status;

typedef struct glc_error {
    char message[256];
} glc_error;

typedef struct glc_manager glc_manager;
typedef struct glc_camera glc_camera;

/// The libcamera release actually loaded at run time (for example "v0.0.3").
const char *glc_library_version(void);

/// Creates and starts libcamera's camera manager (libcamera allows one per process).
/// Returns NULL and fills `error` on failure.
glc_manager *glc_manager_start(glc_error *error);
/// Stops the manager. Every camera opened from it must be closed first.
void glc_manager_stop(glc_manager *manager);

/// How many cameras the manager found when it started.
size_t glc_camera_count(const glc_manager *manager);
/// The id and model (`properties::Model`, empty when unknown) of camera `index`.
glc_status glc_camera_info(const glc_manager *manager, size_t index, char *id, size_t id_size, char *model,
                           size_t model_size);

/// Acquires the camera with exactly this id for exclusive use.
glc_status glc_camera_acquire(glc_manager *manager, const char *id, glc_camera **camera, glc_error *error);

/// Where a configured stream's frame buffers came from.
typedef enum glc_buffer_source {
    /// libcamera's FrameBufferAllocator (the pipeline's own dmabufs: what a Pi uses).
    GLC_BUFFERS_ALLOCATOR = 0,
    /// Buffers the shim made over memfd planes, when the allocator could not allocate (no
    /// /dev/dma_heap or /dev/udmabuf, as on a machine without a camera).
    GLC_BUFFERS_MEMFD = 1,
} glc_buffer_source;

/// One output stream. Inputs: width, height, pixel_format (a DRM fourcc: YUV420 or NV12),
/// buffer_count. Outputs: stride, frame_size and buffer_source once configured; on
/// GLC_CONFIGURATION_ADJUSTED every field holds libcamera's adjusted value and
/// `pixel_format_name` its name.
typedef struct glc_stream_config {
    uint32_t width;
    uint32_t height;
    uint32_t pixel_format;
    uint32_t buffer_count;
    uint32_t stride;
    uint32_t frame_size;
    glc_buffer_source buffer_source;
    char pixel_format_name[32];
} glc_stream_config;

/// Validates and applies the configuration, allocates the buffers (the allocator's, else memfd
/// ones) and maps them once. When libcamera would change the size, format or buffer count,
/// nothing is applied and GLC_CONFIGURATION_ADJUSTED is returned with the adjusted values in
/// `config`.
glc_status glc_camera_configure(glc_camera *camera, glc_stream_config *config, glc_error *error);

/// Fixed controls applied at start. Durations in microseconds, libcamera's unit.
typedef struct glc_start_controls {
    int32_t exposure_time_us;
    int64_t frame_duration_min_us;
    int64_t frame_duration_max_us;
} glc_start_controls;

enum { GLC_MAX_PLANES = 3 };

/// One plane of a completed buffer, mapped read-only once at allocation (no copy).
typedef struct glc_plane {
    const uint8_t *data;
    uint32_t stride;
    uint32_t length;
} glc_plane;

typedef enum glc_completion_kind {
    /// A frame: `buffer` is held for the caller until glc_camera_release_buffer.
    GLC_COMPLETION_FRAME = 0,
    /// The request was cancelled (stop); no buffer is held.
    GLC_COMPLETION_CANCELLED = 1,
    /// The sensor or pipeline reported a bad frame; no buffer is held.
    GLC_COMPLETION_FAILED = 2,
} glc_completion_kind;

typedef struct glc_completion {
    glc_completion_kind kind;
    /// The caller's frame index given to glc_camera_queue.
    int64_t frame_index;
    /// libcamera's frame sequence number.
    uint32_t sequence;
    /// controls::SensorTimestamp in ns; -1 when the pipeline reported none.
    int64_t sensor_timestamp_ns;
    /// controls::FrameWallClock in ns (libcamera 0.5 and later: the same instant on
    /// CLOCK_REALTIME, through the pipeline's smoothed clock model); -1 when not reported.
    int64_t wall_clock_ns;
    uint32_t buffer;
    uint32_t plane_count;
    glc_plane planes[GLC_MAX_PLANES];
} glc_completion;

/// Runs on libcamera's thread: must return quickly and must not call back into the shim
/// except glc_camera_release_buffer.
typedef void (*glc_completion_fn)(void *context, const glc_completion *completion);

/// Starts streaming with auto-exposure off, the given exposure time and frame duration limits.
glc_status glc_camera_start(glc_camera *camera, const glc_start_controls *controls, glc_completion_fn on_completion,
                            void *context, glc_error *error);

/// Queues one capture for `frame_index`. `frame_duration_us` > 0 pins this request's frame
/// duration (FrameDurationLimits = [d, d]); 0 leaves the limits set at start.
glc_status glc_camera_queue(glc_camera *camera, int64_t frame_index, int64_t frame_duration_us, glc_error *error);

/// Hands a buffer from a GLC_COMPLETION_FRAME back for reuse. Safe from any thread.
void glc_camera_release_buffer(glc_camera *camera, uint32_t buffer);

/// How many of the configured buffers are free, queued to the camera, and held by the caller.
typedef struct glc_buffer_counts {
    uint32_t free;
    uint32_t queued;
    uint32_t held;
} glc_buffer_counts;

/// The buffers' states now (safe from any thread): after stop, with every frame released, all
/// are free; anything else is a leak.
glc_buffer_counts glc_camera_buffer_counts(glc_camera *camera);

/// Stops streaming. Pending requests complete as GLC_COMPLETION_CANCELLED before this returns;
/// afterwards no completion runs. Safe to call when not started.
void glc_camera_stop(glc_camera *camera);

/// Stops if needed, unmaps and frees the buffers, releases the camera.
void glc_camera_close(glc_camera *camera);

#ifdef __cplusplus
}
#endif
