#ifndef SPINDLE_CZLIB_SHIM_H
#define SPINDLE_CZLIB_SHIM_H
// zlib (Debian: zlib1g-dev): raw deflate/inflate for .npz members and CRC-32 for ZIP archives.
#include <zlib.h>
#endif
