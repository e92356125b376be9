#ifndef CQRPNG_H
#define CQRPNG_H

#include <stddef.h>
#include <stdint.h>

/// A 1-bit PNG of a square module matrix, written by libpng's classic API.
///
/// libpng reports errors by longjmp. Swift can neither call setjmp nor be unwound through, so the
/// setjmp lives in `cqrpng_write` and the caller only ever sees a return code and a message.

typedef struct cqrpng_options {
    /// Modules per side, without the quiet zone.
    uint32_t width;
    /// Pixels per module (>= 1).
    uint32_t scale;
    /// Quiet zone on each side, in modules.
    uint32_t margin;
    /// Colours as 0xRRGGBB. Pure black on pure white is written as 1-bit greyscale; anything
    /// else as a 1-bit palette image, which compresses exactly as well.
    uint32_t dark_rgb;
    uint32_t light_rgb;
    /// zlib compression level 0-9, or -1 for libpng's default.
    int32_t compression_level;
} cqrpng_options;

typedef struct cqrpng_buffer {
    uint8_t *bytes;
    size_t count;
    size_t capacity;
} cqrpng_buffer;

enum {
    CQRPNG_OK = 0,
    CQRPNG_INVALID_ARGUMENT = 1,
    CQRPNG_OUT_OF_MEMORY = 2,
    CQRPNG_LIBPNG_ERROR = 3,
};

/// Writes `modules` (width * width bytes, row-major, bit 0 set = dark, as libqrencode lays them out)
/// as a PNG into `out`. On success the caller owns `out->bytes` and frees it with `cqrpng_buffer_free`.
/// On failure `out` is empty and `message` (if not NULL) holds a NUL-terminated reason.
int cqrpng_write(const uint8_t *modules, const cqrpng_options *options, cqrpng_buffer *out, char *message,
                 size_t message_capacity);

void cqrpng_buffer_free(cqrpng_buffer *buffer);

#endif
