/*
 * The Python packaging standards, as pwpkg reads and writes them: the one
 * interface of packaging/. Pure (text in, structure or error out; no
 * transfers, no solver), so that resolver/, bundle/ and the fuzz targets
 * share one implementation of each standard.
 *
 *   pep440.h         PEP 440 versions and specifiers
 *   pep508.h         PEP 508 requirements and environment markers
 *   tags.h           wheel file names (PEP 427) and PEP 425 tags
 *   metadata.h       core metadata (METADATA, PKG-INFO, PEP 658 files)
 *   simple_index.h   the simple repository API (PEP 503, 691, 658, 714)
 *   pyodide_index.h  pyodide-lock.json, and the emscripten_ platform rule
 *   reqfile.h        requirements files, as pip reads them
 *   pyproject.h      pyproject.toml dependencies, extras, PEP 735 groups
 *   wrangler.h       a Worker's wrangler.json[c] / wrangler.toml, as wrangler
 *                    reads it (the format, not the release it selects)
 *   archive_libraries.h
 *                    libzip and zlib, opened at the first archive work
 */
#ifndef PW_PACKAGING_H
#define PW_PACKAGING_H

#include "archive_libraries.h"
#include "metadata.h"
#include "pep440.h"
#include "pep508.h"
#include "pyodide_index.h"
#include "pyproject.h"
#include "reqfile.h"
#include "simple_index.h"
#include "tags.h"
#include "wrangler.h"

#endif
