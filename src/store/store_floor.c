/* The time floor (include/handover/store.h): the build's release time,
 * the newest chain head and the newest trusted time the store recorded.
 * It never looks at the host's clock, so the host cannot lower it. */
#include <string.h>

#include "store/build_floor.h"
#include "store/store_int.h"

static const uint8_t floor_tag[4] = {'H', 'V', 'T', 'F'};
#define FLOOR_PT_LEN (4 + 8)

uint64_t hv_store_build_floor_ms(void) { return HV_STORE_BUILD_FLOOR_UNIX * 1000; }

/* The newest trusted time recorded; 0 before any. */
static hv_store_error read_trusted(hv_store *s, uint64_t *ms) {
  uint8_t pt[FLOOR_PT_LEN];
  bool found = false;
  *ms = 0;
  hv_store_error err = hv_store_unseal_read(s, HV_STORE_FLOOR_FILE, HV_STORE_KIND_FLOOR, pt,
                                            sizeof pt, &found);
  if (err != HV_STORE_OK || !found) return err;
  hv_buf_reader r;
  hv_buf_reader_init(&r, pt, sizeof pt);
  const uint8_t *tag = NULL;
  if (!hv_buf_read_view(&r, sizeof floor_tag, &tag) || !hv_buf_read_u64(&r, ms) ||
      !hv_buf_reader_done(&r) || memcmp(tag, floor_tag, sizeof floor_tag) != 0) {
    *ms = 0;
    return HV_STORE_ERR_CORRUPT;
  }
  return HV_STORE_OK;
}

static hv_store_error write_trusted(hv_store *s, uint64_t ms) {
  uint8_t pt[FLOOR_PT_LEN];
  hv_buf_writer w;
  hv_buf_writer_init(&w, pt, sizeof pt);
  if (!hv_buf_write_bytes(&w, floor_tag, sizeof floor_tag) || !hv_buf_write_u64(&w, ms))
    return HV_STORE_ERR_ARGS;
  return hv_store_seal_write(s, HV_STORE_FLOOR_FILE, HV_STORE_KIND_FLOOR, pt, sizeof pt);
}

static uint64_t less_slack(uint64_t ms) {
  return ms > HV_STORE_FLOOR_SLACK_MS ? ms - HV_STORE_FLOOR_SLACK_MS : 0;
}

static hv_store_error floor_of(hv_store *s, uint64_t *floor_ms, uint64_t *trusted_ms) {
  hv_store_chain_head head;
  hv_store_error err = hv_store_get_chain_head(s, &head);
  if (err == HV_STORE_OK) err = read_trusted(s, trusted_ms);
  if (err != HV_STORE_OK) return err;
  uint64_t f = hv_store_build_floor_ms();
  if (less_slack(head.time_ms) > f) f = less_slack(head.time_ms);
  if (less_slack(*trusted_ms) > f) f = less_slack(*trusted_ms);
  *floor_ms = f;
  return HV_STORE_OK;
}

hv_store_error hv_store_get_time_floor(hv_store *store, uint64_t *floor_ms) {
  if (!store || !floor_ms) return HV_STORE_ERR_ARGS;
  uint64_t trusted;
  return floor_of(store, floor_ms, &trusted);
}

hv_store_error hv_store_record_trusted_time(hv_store *store, uint64_t now_ms,
                                            uint64_t *floor_ms) {
  if (!store) return HV_STORE_ERR_ARGS;
  hv_store_error err = hv_store_lock(store);
  if (err != HV_STORE_OK) return err;
  uint64_t floor = 0, trusted = 0;
  err = floor_of(store, &floor, &trusted);
  if (err == HV_STORE_OK && now_ms < floor) err = HV_STORE_ERR_BELOW_FLOOR;
  if (err == HV_STORE_OK && now_ms >= trusted + HV_STORE_FLOOR_STEP_MS)
    err = write_trusted(store, now_ms);
  hv_store_unlock(store);
  if (floor_ms) *floor_ms = floor;
  return err;
}
