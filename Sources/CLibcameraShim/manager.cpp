// The camera manager: start, list, acquire.

#include "internal.hpp"

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

using namespace libcamera;

void glcFail(glc_error *error, const char *format, ...) {
    if (!error) return;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
}

void glcCopyText(std::string_view text, char *out, size_t size) {
    if (!out || size == 0) return;
    snprintf(out, size, "%.*s", static_cast<int>(text.size()), text.data());
}

namespace {

// libcamera aborts the process when a second CameraManager is constructed, so the shim refuses
// politely instead.
std::atomic<bool> managerRunning{false};

} // namespace

extern "C" {

const char *glc_library_version(void) { return CameraManager::version().c_str(); }

glc_manager *glc_manager_start(glc_error *error) {
    bool expected = false;
    if (!managerRunning.compare_exchange_strong(expected, true)) {
        glcFail(error, "a libcamera camera manager is already running in this process (libcamera allows one)");
        return nullptr;
    }
    auto result = std::make_unique<glc_manager>();
    result->manager = std::make_unique<CameraManager>();
    int ret = result->manager->start();
    if (ret < 0) {
        managerRunning = false;
        glcFail(error, "libcamera %s: the camera manager did not start: %s", CameraManager::version().c_str(),
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
    glcCopyText(camera->id(), id, id_size);
    // properties::Model is a std::string in 0.0.x and a std::string_view in 0.5+.
    if (auto name = camera->properties().get(properties::Model))
        glcCopyText(*name, model, model_size);
    else
        glcCopyText({}, model, model_size);
    return GLC_OK;
}

glc_status glc_camera_acquire(glc_manager *manager, const char *id, glc_camera **camera, glc_error *error) {
    std::shared_ptr<Camera> found = manager->manager->get(id);
    if (!found) {
        glcFail(error, "no camera with id '%s'", id);
        return GLC_NO_CAMERA;
    }
    int ret = found->acquire();
    if (ret == -EBUSY) {
        glcFail(error, "camera '%s' is in use by another process or another open camera", id);
        return GLC_CAMERA_IN_USE;
    }
    if (ret < 0) {
        glcFail(error, "camera '%s' could not be acquired: %s", id, strerror(-ret));
        return GLC_FAILED;
    }
    auto result = std::make_unique<glc_camera>();
    result->camera = std::move(found);
    *camera = result.release();
    return GLC_OK;
}

} // extern "C"
