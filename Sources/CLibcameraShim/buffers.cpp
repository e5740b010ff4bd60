// Configuration and buffers: validate, configure, allocate, map once, release.

#include "internal.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

using namespace libcamera;

namespace {

void report(const StreamConfiguration &stream, glc_stream_config *config) {
    config->width = stream.size.width;
    config->height = stream.size.height;
    config->pixel_format = stream.pixelFormat.fourcc();
    config->buffer_count = stream.bufferCount;
    config->stride = stream.stride;
    config->frame_size = stream.frameSize;
    glcCopyText(stream.pixelFormat.toString(), config->pixel_format_name, sizeof config->pixel_format_name);
}

/// Maps every buffer's planes once; planes that share a dmabuf share its mapping.
bool mapBuffers(glc_camera *camera, const StreamConfiguration &stream, glc_error *error) {
    std::map<int, const uint8_t *> mapped;
    const auto &buffers = camera->allocator->buffers(camera->stream);
    for (size_t index = 0; index < buffers.size(); index++) {
        FrameBuffer *buffer = buffers[index].get();
        GlcSlot slot;
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
                    glcFail(error, "mapping frame buffer %zu (%zu bytes) failed: %s", index, length, strerror(errno));
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
            glcFail(error, "creating the capture request for buffer %zu failed", index);
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
        glcFail(error, "the camera is streaming; stop it before configuring");
        return GLC_WRONG_STATE;
    }
    releaseBuffers(camera);
    std::unique_ptr<CameraConfiguration> generated = camera->camera->generateConfiguration({StreamRole::VideoRecording});
    if (!generated || generated->empty()) {
        glcFail(error, "camera '%s' offers no video stream", camera->camera->id().c_str());
        return GLC_CONFIGURATION_INVALID;
    }
    StreamConfiguration &stream = generated->at(0);
    const glc_stream_config asked = *config;
    stream.size = Size(asked.width, asked.height);
    stream.pixelFormat = PixelFormat(asked.pixel_format);
    stream.bufferCount = asked.buffer_count;
    if (generated->validate() == CameraConfiguration::Invalid) {
        glcFail(error, "libcamera rejected %ux%u %s with %u buffers", asked.width, asked.height,
             PixelFormat(asked.pixel_format).toString().c_str(), asked.buffer_count);
        return GLC_CONFIGURATION_INVALID;
    }
    report(stream, config);
    // Adjustments of fields the caller did not set (colour space, stride) are libcamera's to make;
    // a changed size, format or buffer count is the caller's to accept.
    if (config->width != asked.width || config->height != asked.height ||
        config->pixel_format != asked.pixel_format || config->buffer_count != asked.buffer_count) {
        glcFail(error, "libcamera adjusted the configuration");
        return GLC_CONFIGURATION_ADJUSTED;
    }
    int ret = camera->camera->configure(generated.get());
    if (ret < 0) {
        glcFail(error, "configuring camera '%s' failed: %s", camera->camera->id().c_str(), strerror(-ret));
        return GLC_CONFIGURATION_INVALID;
    }
    camera->configuration = std::move(generated);
    camera->stream = stream.stream();
    camera->allocator = std::make_unique<FrameBufferAllocator>(camera->camera);
    ret = camera->allocator->allocate(camera->stream);
    if (ret < 0) {
        glcFail(error, "allocating %u frame buffers failed: %s", stream.bufferCount, strerror(-ret));
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

void glc_camera_close(glc_camera *camera) {
    if (!camera) return;
    glc_camera_stop(camera);
    releaseBuffers(camera);
    camera->configuration.reset();
    camera->camera->release();
    delete camera;
}

} // extern "C"
