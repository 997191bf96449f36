/* SGX structures, byte-exact with Intel's sgx_report.h / sgx_key.h
 * (linux-sgx SDK). The C structs document the layout and are checked
 * against Intel's offsets at compile time; data that crosses a trust
 * boundary never goes through them by memcpy: sgx_codec.c encodes and
 * decodes every field explicitly as little-endian bytes through
 * hv_buf_reader/hv_buf_writer, so the result does not depend on the host's
 * byte order or struct padding. */
#ifndef HANDOVER_TEE_SGX_TYPES_H
#define HANDOVER_TEE_SGX_TYPES_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/tee.h"

#define SGX_CPUSVN_SIZE 16
#define SGX_KEYID_SIZE 32
#define SGX_MAC_SIZE 16
#define SGX_KEY_SIZE 16 /* EGETKEY returns a 128-bit key */
#define SGX_HASH_SIZE 32
#define SGX_CONFIGID_SIZE 64
#define SGX_ISVEXT_PROD_ID_SIZE 16
#define SGX_ISV_FAMILY_ID_SIZE 16
#define SGX_REPORT_DATA_SIZE 64

/* KEYREQUEST.KEYNAME */
#define SGX_KEYSELECT_REPORT 0x0003
#define SGX_KEYSELECT_SEAL 0x0004
/* KEYREQUEST.KEYPOLICY */
#define SGX_KEYPOLICY_MRENCLAVE 0x0001
#define SGX_KEYPOLICY_MRSIGNER 0x0002

/* ATTRIBUTES.FLAGS */
#define SGX_FLAGS_INITTED 0x0000000000000001ULL
#define SGX_FLAGS_DEBUG 0x0000000000000002ULL
#define SGX_FLAGS_MODE64BIT 0x0000000000000004ULL
/* The SDK's default seal masks (sgx_tseal): bind INITTED, DEBUG and the
 * reserved bits, not the XSAVE features; MISCSELECT's security bits. */
#define SGX_SEAL_FLAGS_MASK 0xFF0000000000000BULL
#define SGX_SEAL_XFRM_MASK 0x0000000000000000ULL
#define SGX_SEAL_MISC_MASK 0xF0000000U

typedef struct {
  uint64_t flags;
  uint64_t xfrm;
} sgx_attributes_t;

typedef struct {
  uint8_t mr_enclave[SGX_HASH_SIZE];       /*   0 */
  sgx_attributes_t attributes;             /*  32 */
  uint8_t reserved1[2];                    /*  48 */
  uint16_t config_svn;                     /*  50 */
  uint32_t misc_select;                    /*  52 */
  uint8_t reserved2[8];                    /*  56 */
  uint8_t config_id[SGX_CONFIGID_SIZE];    /*  64 */
  uint8_t reserved3[384];                  /* 128 */
} sgx_target_info_t;

typedef struct {
  uint8_t cpu_svn[SGX_CPUSVN_SIZE];                 /*   0 */
  uint32_t misc_select;                             /*  16 */
  uint8_t reserved1[12];                            /*  20 */
  uint8_t isv_ext_prod_id[SGX_ISVEXT_PROD_ID_SIZE]; /*  32 */
  sgx_attributes_t attributes;                      /*  48 */
  uint8_t mr_enclave[SGX_HASH_SIZE];                /*  64 */
  uint8_t reserved2[32];                            /*  96 */
  uint8_t mr_signer[SGX_HASH_SIZE];                 /* 128 */
  uint8_t reserved3[32];                            /* 160 */
  uint8_t config_id[SGX_CONFIGID_SIZE];             /* 192 */
  uint16_t isv_prod_id;                             /* 256 */
  uint16_t isv_svn;                                 /* 258 */
  uint16_t config_svn;                              /* 260 */
  uint8_t reserved4[42];                            /* 262 */
  uint8_t isv_family_id[SGX_ISV_FAMILY_ID_SIZE];    /* 304 */
  uint8_t report_data[SGX_REPORT_DATA_SIZE];        /* 320 */
} sgx_report_body_t;

typedef struct {
  sgx_report_body_t body;          /*   0 */
  uint8_t key_id[SGX_KEYID_SIZE];  /* 384 */
  uint8_t mac[SGX_MAC_SIZE];       /* 416 */
} sgx_report_t;

typedef struct {
  uint16_t key_name;                 /*  0 */
  uint16_t key_policy;               /*  2 */
  uint16_t isv_svn;                  /*  4 */
  uint16_t reserved1;                /*  6 */
  uint8_t cpu_svn[SGX_CPUSVN_SIZE];  /*  8 */
  sgx_attributes_t attribute_mask;   /* 24 */
  uint8_t key_id[SGX_KEYID_SIZE];    /* 40 */
  uint32_t misc_mask;                /* 72 */
  uint16_t config_svn;               /* 76 */
  uint8_t reserved2[434];            /* 78 */
} sgx_key_request_t;

#define SGX_CHECK_OFF(type, field, off) \
  static_assert(offsetof(type, field) == (off), #type "." #field " at " #off)

static_assert(sizeof(sgx_attributes_t) == 16, "sgx_attributes_t is 16 bytes");
SGX_CHECK_OFF(sgx_attributes_t, flags, 0);
SGX_CHECK_OFF(sgx_attributes_t, xfrm, 8);

static_assert(sizeof(sgx_target_info_t) == 512, "sgx_target_info_t is 512 bytes");
static_assert(sizeof(sgx_target_info_t) == HV_TEE_TARGET_INFO_LEN, "public length");
SGX_CHECK_OFF(sgx_target_info_t, mr_enclave, 0);
SGX_CHECK_OFF(sgx_target_info_t, attributes, 32);
SGX_CHECK_OFF(sgx_target_info_t, reserved1, 48);
SGX_CHECK_OFF(sgx_target_info_t, config_svn, 50);
SGX_CHECK_OFF(sgx_target_info_t, misc_select, 52);
SGX_CHECK_OFF(sgx_target_info_t, reserved2, 56);
SGX_CHECK_OFF(sgx_target_info_t, config_id, 64);
SGX_CHECK_OFF(sgx_target_info_t, reserved3, 128);

static_assert(sizeof(sgx_report_body_t) == 384, "sgx_report_body_t is 384 bytes");
static_assert(sizeof(sgx_report_body_t) == HV_TEE_REPORT_BODY_LEN, "public length");
SGX_CHECK_OFF(sgx_report_body_t, cpu_svn, 0);
SGX_CHECK_OFF(sgx_report_body_t, misc_select, 16);
SGX_CHECK_OFF(sgx_report_body_t, reserved1, 20);
SGX_CHECK_OFF(sgx_report_body_t, isv_ext_prod_id, 32);
SGX_CHECK_OFF(sgx_report_body_t, attributes, 48);
SGX_CHECK_OFF(sgx_report_body_t, mr_enclave, 64);
SGX_CHECK_OFF(sgx_report_body_t, reserved2, 96);
SGX_CHECK_OFF(sgx_report_body_t, mr_signer, 128);
SGX_CHECK_OFF(sgx_report_body_t, reserved3, 160);
SGX_CHECK_OFF(sgx_report_body_t, config_id, 192);
SGX_CHECK_OFF(sgx_report_body_t, isv_prod_id, 256);
SGX_CHECK_OFF(sgx_report_body_t, isv_svn, 258);
SGX_CHECK_OFF(sgx_report_body_t, config_svn, 260);
SGX_CHECK_OFF(sgx_report_body_t, reserved4, 262);
SGX_CHECK_OFF(sgx_report_body_t, isv_family_id, 304);
SGX_CHECK_OFF(sgx_report_body_t, report_data, 320);

static_assert(sizeof(sgx_report_t) == 432, "sgx_report_t is 432 bytes");
static_assert(sizeof(sgx_report_t) == HV_TEE_REPORT_LEN, "public length");
SGX_CHECK_OFF(sgx_report_t, body, 0);
SGX_CHECK_OFF(sgx_report_t, key_id, 384);
SGX_CHECK_OFF(sgx_report_t, mac, 416);

static_assert(sizeof(sgx_key_request_t) == 512, "sgx_key_request_t is 512 bytes");
static_assert(sizeof(sgx_key_request_t) == HV_TEE_KEY_REQUEST_LEN, "public length");
SGX_CHECK_OFF(sgx_key_request_t, key_name, 0);
SGX_CHECK_OFF(sgx_key_request_t, key_policy, 2);
SGX_CHECK_OFF(sgx_key_request_t, isv_svn, 4);
SGX_CHECK_OFF(sgx_key_request_t, reserved1, 6);
SGX_CHECK_OFF(sgx_key_request_t, cpu_svn, 8);
SGX_CHECK_OFF(sgx_key_request_t, attribute_mask, 24);
SGX_CHECK_OFF(sgx_key_request_t, key_id, 40);
SGX_CHECK_OFF(sgx_key_request_t, misc_mask, 72);
SGX_CHECK_OFF(sgx_key_request_t, config_svn, 76);
SGX_CHECK_OFF(sgx_key_request_t, reserved2, 78);

static_assert(HV_TEE_MR_LEN == SGX_HASH_SIZE, "measurement length");
static_assert(HV_TEE_REPORT_DATA_LEN == SGX_REPORT_DATA_SIZE, "report data length");

/* Little-endian field access through the bounds-checked cursor (buf.h is
 * big-endian by design; SGX structures are little-endian). */
HV_MUST_CHECK bool hv_tee_sgx_le_read_u16(hv_buf_reader *r, uint16_t *out);
HV_MUST_CHECK bool hv_tee_sgx_le_read_u32(hv_buf_reader *r, uint32_t *out);
HV_MUST_CHECK bool hv_tee_sgx_le_read_u64(hv_buf_reader *r, uint64_t *out);
HV_MUST_CHECK bool hv_tee_sgx_le_write_u16(hv_buf_writer *w, uint16_t v);
HV_MUST_CHECK bool hv_tee_sgx_le_write_u32(hv_buf_writer *w, uint32_t v);
HV_MUST_CHECK bool hv_tee_sgx_le_write_u64(hv_buf_writer *w, uint64_t v);

/* Byte encodings. Encoders write reserved fields as zeros; decoders accept
 * any reserved bytes (the MAC covers the raw body bytes, not a re-encoding),
 * and fail only on a wrong length. */
void hv_tee_sgx_target_info_encode(const sgx_target_info_t *ti,
                            uint8_t out[HV_TEE_TARGET_INFO_LEN]);
HV_MUST_CHECK bool hv_tee_sgx_target_info_decode(const uint8_t *in, size_t len,
                                          sgx_target_info_t *ti);
void hv_tee_sgx_report_body_encode(const sgx_report_body_t *b,
                            uint8_t out[HV_TEE_REPORT_BODY_LEN]);
HV_MUST_CHECK bool hv_tee_sgx_report_body_decode(const uint8_t *in, size_t len,
                                          sgx_report_body_t *b);
void hv_tee_sgx_report_encode(const sgx_report_t *r, uint8_t out[HV_TEE_REPORT_LEN]);
HV_MUST_CHECK bool hv_tee_sgx_report_decode(const uint8_t *in, size_t len,
                                     sgx_report_t *r);
void hv_tee_sgx_key_request_encode(const sgx_key_request_t *kr,
                            uint8_t out[HV_TEE_KEY_REQUEST_LEN]);
HV_MUST_CHECK bool hv_tee_sgx_key_request_decode(const uint8_t *in, size_t len,
                                          sgx_key_request_t *kr);

#endif
