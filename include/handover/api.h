/* What every public header of libhandover shares: the mark of an exported
 * function and of a result the caller must look at, and the C++ guards.
 * The library is built with -fvisibility=hidden, so a function is part of
 * libhandover.so's ABI exactly when its public declaration carries HV_API
 * (tests/api checks that the two lists agree). */
#ifndef HANDOVER_API_H
#define HANDOVER_API_H

#if defined(__GNUC__) || defined(__clang__)
#define HV_API __attribute__((visibility("default")))
#define HV_MUST_CHECK __attribute__((warn_unused_result))
#else
#define HV_API
#define HV_MUST_CHECK
#endif

#ifdef __cplusplus
#define HV_BEGIN_DECLS extern "C" {
#define HV_END_DECLS }
#else
#define HV_BEGIN_DECLS
#define HV_END_DECLS
#endif

#endif
