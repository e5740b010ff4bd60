// Configuration and buffers: validate, configure, allocate, map once, release.

#include "internal.hpp"

#include <sys/mman.h>
#include <unistd.h>

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

/// Row stride and byte length of plane `plane` of a 4:2:0 frame whose luma rows are `stride`
/// bytes apart: YUV420 (I420) has half-width, half-height U and V planes; NV12 one half-height
/// plane of interleaved U,V pairs, as wide in bytes as the luma plane.
struct PlaneLayout {
    uint32_t stride;
    uint32_t length;
};

PlaneLayout planeLayout(const StreamConfiguration &stream, size_t plane) {
    // A pipeline that leaves the stride unset packs rows.
    const uint32_t stride = stream.stride ? stream.stride : stream.size.width, height = stream.size.height;
    if (plane == 0) return {stride, stride * height};
    if (stream.pixelFormat == formats::NV12) return {stride, stride * ((height + 1) / 2)};
    return {stride / 2, (stride / 2) * ((height + 1) / 2)};
}

size_t planeCount(const StreamConfiguration &stream) { return stream.pixelFormat == formats::NV12 ? 2 : 3; }

/// Buffers over memfd planes, one memfd per buffer with the planes laid out back to back (as a
/// pipeline's own single-dmabuf buffers are). For machines where the allocator cannot allocate:
/// there is no /dev/dma_heap or /dev/udmabuf without a camera, and a pipeline that writes frames
/// with the CPU (the virtual one) maps any fd it is given.
bool makeMemfdBuffers(glc_camera *camera, const StreamConfiguration &stream, glc_error *error) {
    for (unsigned int index = 0; index < stream.bufferCount; index++) {
        std::vector<FrameBuffer::Plane> planes;
        size_t total = 0;
        for (size_t p = 0; p < planeCount(stream); p++) total += planeLayout(stream, p).length;
        total = std::max<size_t>(total, stream.frameSize);
        int fd = memfd_create("genlock-frame", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, static_cast<off_t>(total)) < 0) {
            glcFail(error, "making frame buffer %u (%zu bytes) over memfd failed: %s", index, total, strerror(errno));
            if (fd >= 0) close(fd);
            return false;
        }
        SharedFD shared(std::move(fd));
        unsigned int offset = 0;
        for (size_t p = 0; p < planeCount(stream); p++) {
            FrameBuffer::Plane plane;
            plane.fd = shared;
            plane.offset = offset;
            plane.length = planeLayout(stream, p).length;
            offset += plane.length;
            planes.push_back(plane);
        }
        camera->ownBuffers.push_back(std::make_unique<FrameBuffer>(planes));
    }
    return true;
}

/// Maps every buffer's planes once; planes that share a dmabuf share its mapping.
bool mapBuffers(glc_camera *camera, const StreamConfiguration &stream, const std::vector<FrameBuffer *> &buffers,
                glc_error *error) {
    std::map<int, const uint8_t *> mapped;
    for (size_t index = 0; index < buffers.size(); index++) {
        FrameBuffer *buffer = buffers[index];
        GlcSlot slot;
        slot.buffer = buffer;
        const auto &planes = buffer->planes();
        if (planes.size() != planeCount(stream)) {
            glcFail(error, "frame buffer %zu has %zu planes; %s has %zu", index, planes.size(),
                    stream.pixelFormat.toString().c_str(), planeCount(stream));
            return false;
        }
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
            slot.planes.push_back({mapped[fd] + plane.offset, planeLayout(stream, p).stride, plane.length});
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
    camera->ownBuffers.clear();
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
    std::vector<FrameBuffer *> buffers;
    ret = camera->allocator->allocate(camera->stream);
    if (ret > 0) {
        config->buffer_source = GLC_BUFFERS_ALLOCATOR;
        for (const auto &buffer : camera->allocator->buffers(camera->stream)) buffers.push_back(buffer.get());
    } else {
        // The pipeline could not export buffers (no dma-heap here): make our own.
        camera->allocator.reset();
        if (!makeMemfdBuffers(camera, stream, error)) {
            releaseBuffers(camera);
            return GLC_FAILED;
        }
        config->buffer_source = GLC_BUFFERS_MEMFD;
        for (const auto &buffer : camera->ownBuffers) buffers.push_back(buffer.get());
    }
    if (!mapBuffers(camera, stream, buffers, error)) {
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
