/*
 * check_virus: the virus check of filterd's content stage (filterd/check.h):
 * the whole raw message scanned in process by libclamav, with ClamAV's own
 * mail parser and unpackers (CL_SCAN_PARSE_MAIL, archives, documents...)
 * and ClamAV's limits. The engine comes from clamav_db, is shared by every
 * thread, and is replaced in the background when the folder changes
 * (filterd/virus_engine.h); a reload (SIGHUP builds a new pipeline) keeps
 * the engine when the folder and the engine's settings did not change,
 * and loads it again, while the old one keeps scanning, when they did.
 * With virus_scanner = clamd, a running clamd scans instead
 * (filterd/virus_clamd.h) and no engine is loaded.
 *
 * Symbols: VIRUS_FOUND (virus_score; the description names the signature,
 * and the name goes to verdict->viruses, the JSON "virus" field);
 * VIRUS_SCAN_LIMIT (0) when ClamAV stopped at one of its limits;
 * CHECK_ERROR_VIRUS (0) when it could not scan. Headers X-Virus-Scanned and
 * X-Virus-Status through verdict->virus_scanner/virus_status
 * (filterd/actions.c). docs/clamav.md is the administrator's page.
 */
#ifndef TAMIS_FILTERD_CHECK_VIRUS_H
#define TAMIS_FILTERD_CHECK_VIRUS_H

#include "filterd/check.h"

extern const struct check_ops check_virus_ops;

/* Prefix of the names ClamAV gives a scan that passed one of its limits
 * (with CL_SCAN_HEURISTIC_EXCEEDS_MAX). */
#define VIRUS_LIMIT_PREFIX "Heuristics.Limits.Exceeded"

#endif
