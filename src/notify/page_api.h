#pragma once
// The routes a page's recipient reaches without a firewatch token; the
// signed link (ack_links.h) or the SMS provider's signature is the
// credential:
//
//   GET  /page/:id?t=TOKEN       the incident (title, severity, state) and an
//                                Acknowledge button
//   GET  /page/:id/ack?t=TOKEN   a confirmation form (GET never acknowledges:
//                                mail scanners open links)
//   POST /page/:id/ack           t=TOKEN: acknowledges as the link's person;
//                                401 forged/expired/other incident, 403 used
//   POST /api/v1/paging/sms      Twilio's inbound message webhook (From,
//                                Body); "ACK" or "ACK INC-7" from a person's
//                                number acknowledges; X-Twilio-Signature
//                                must verify under a provider's auth_token
//   GET  /api/v1/people          people and their methods (viewer; numbers
//                                and addresses masked)
//
// Acknowledging here stops the pages (Pager::Acknowledge) and goes on the
// timeline as the person, source "page".

#include <string>

#include "common/clock.h"
#include "incident/service.h"
#include "notify/ack_links.h"
#include "notify/pager.h"
#include "server/http.h"

namespace fw::notify {

// REQUIRES: every argument outlives the server. public_url: the server's
// URL as providers call it (Twilio signs it).
void RegisterPageApi(server::HttpServer& http, Pager& pager, AckLinks& links,
                     incident::IncidentService& incidents, Clock& clock,
                     const std::string& public_url);

}  // namespace fw::notify
