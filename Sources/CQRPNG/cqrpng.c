#include "cqrpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct write_context {
    cqrpng_buffer *out;
    char *message;
    size_t message_capacity;
    int out_of_memory;
} write_context;

static void set_message(write_context *context, const char *text) {
    if (context->message != NULL && context->message_capacity > 0) {
        snprintf(context->message, context->message_capacity, "%s", text);
    }
}

static void on_error(png_structp png, png_const_charp text) {
    write_context *context = (write_context *)png_get_error_ptr(png);
    set_message(context, text != NULL ? text : "libpng error");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    // Warnings do not stop the image; there is nobody to show them to.
    (void)png;
    (void)text;
}

static void on_write(png_structp png, png_bytep data, png_size_t length) {
    write_context *context = (write_context *)png_get_io_ptr(png);
    cqrpng_buffer *out = context->out;
    if (out->count + length > out->capacity) {
        size_t capacity = out->capacity == 0 ? 4096 : out->capacity;
        while (capacity < out->count + length) {
            capacity *= 2;
        }
        uint8_t *grown = realloc(out->bytes, capacity);
        if (grown == NULL) {
            context->out_of_memory = 1;
            png_error(png, "out of memory while writing the PNG");
        }
        out->bytes = grown;
        out->capacity = capacity;
    }
    memcpy(out->bytes + out->count, data, length);
    out->count += length;
}

static void on_flush(png_structp png) { (void)png; }

/// Packs one module row, quiet zone included, into 1-bit pixels (most significant bit first);
/// a set bit is a dark pixel in the palette or grey image as configured by the caller.
static void pack_row(const uint8_t *modules, const cqrpng_options *options, int dark_bit, uint8_t *row,
                     size_t row_bytes) {
    uint8_t light_fill = dark_bit ? 0x00 : 0xFF;
    memset(row, light_fill, row_bytes);
    if (modules == NULL) {
        return;
    }
    size_t pixel = (size_t)options->margin * options->scale;
    for (uint32_t x = 0; x < options->width; x++) {
        int dark = modules[x] & 1;
        for (uint32_t s = 0; s < options->scale; s++, pixel++) {
            if (dark) {
                uint8_t mask = (uint8_t)(0x80 >> (pixel & 7));
                if (dark_bit) {
                    row[pixel >> 3] |= mask;
                } else {
                    row[pixel >> 3] &= (uint8_t)~mask;
                }
            }
        }
    }
}

int cqrpng_write(const uint8_t *modules, const cqrpng_options *options, cqrpng_buffer *out, char *message,
                 size_t message_capacity) {
    if (message != NULL && message_capacity > 0) {
        message[0] = '\0';
    }
    if (modules == NULL || options == NULL || out == NULL || options->width == 0 || options->scale == 0) {
        return CQRPNG_INVALID_ARGUMENT;
    }
    out->bytes = NULL;
    out->count = 0;
    out->capacity = 0;

    uint64_t side64 = ((uint64_t)options->width + 2ull * options->margin) * options->scale;
    if (side64 > PNG_USER_WIDTH_MAX || side64 > 0x7FFFFFFFull) {
        return CQRPNG_INVALID_ARGUMENT;
    }
    png_uint_32 side = (png_uint_32)side64;
    size_t row_bytes = (side + 7) / 8;

    // Everything the error path frees is allocated before setjmp and never reassigned after it,
    // so no local needs to be volatile.
    write_context context = {out, message, message_capacity, 0};
    uint8_t *rows = malloc(row_bytes * 2);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (rows == NULL || png == NULL || info == NULL) {
        png_destroy_write_struct(png != NULL ? &png : NULL, info != NULL ? &info : NULL);
        free(rows);
        return CQRPNG_OUT_OF_MEMORY;
    }
    uint8_t *quiet_row = rows;
    uint8_t *module_row = rows + row_bytes;

    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        int code = context.out_of_memory ? CQRPNG_OUT_OF_MEMORY : CQRPNG_LIBPNG_ERROR;
        cqrpng_buffer_free(out);
        return code;
    }

    png_set_write_fn(png, &context, on_write, on_flush);
    if (options->compression_level >= 0 && options->compression_level <= 9) {
        png_set_compression_level(png, options->compression_level);
    }
    // Filters cannot help 1-bit data, and trying them all costs time.
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);

    int grey = (options->dark_rgb == 0x000000u && options->light_rgb == 0xFFFFFFu);
    // In 1-bit greyscale 0 is black. In the palette image index 1 is the dark colour.
    int dark_bit = grey ? 0 : 1;
    if (grey) {
        png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE,
                     PNG_FILTER_TYPE_BASE);
    } else {
        png_color palette[2] = {
            {(png_byte)(options->light_rgb >> 16), (png_byte)(options->light_rgb >> 8), (png_byte)options->light_rgb},
            {(png_byte)(options->dark_rgb >> 16), (png_byte)(options->dark_rgb >> 8), (png_byte)options->dark_rgb},
        };
        png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE,
                     PNG_FILTER_TYPE_BASE);
        png_set_PLTE(png, info, palette, 2);
    }
    png_write_info(png, info);

    pack_row(NULL, options, dark_bit, quiet_row, row_bytes);
    png_uint_32 quiet_pixels = options->margin * options->scale;
    for (png_uint_32 y = 0; y < quiet_pixels; y++) {
        png_write_row(png, quiet_row);
    }
    // Each module row is packed once and written `scale` times.
    for (uint32_t y = 0; y < options->width; y++) {
        pack_row(modules + (size_t)y * options->width, options, dark_bit, module_row, row_bytes);
        for (uint32_t s = 0; s < options->scale; s++) {
            png_write_row(png, module_row);
        }
    }
    for (png_uint_32 y = 0; y < quiet_pixels; y++) {
        png_write_row(png, quiet_row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return CQRPNG_OK;
}

void cqrpng_buffer_free(cqrpng_buffer *buffer) {
    if (buffer == NULL) {
        return;
    }
    free(buffer->bytes);
    buffer->bytes = NULL;
    buffer->count = 0;
    buffer->capacity = 0;
}
