#pragma once
// ScratchIncidents: an incident store (SQLite, in a new temporary directory)
// and the service over it, on the test's clock, for one test.

#include <gtest/gtest.h>

#include <memory>

#include "../e2e/subprocess.h"
#include "incident/service.h"
#include "incident/sqlite_store.h"

namespace fw::notify::testing {

struct ScratchIncidents {
  explicit ScratchIncidents(Clock& clock) {
    auto opened = incident::SqliteStore::Open(e2e::MakeTempDir() + "/incidents.db");
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().ToString());
    if (!opened) return;
    store = std::move(*opened);
    service = std::make_unique<incident::IncidentService>(*store, clock);
  }
  std::unique_ptr<incident::SqliteStore> store;
  std::unique_ptr<incident::IncidentService> service;
};

}  // namespace fw::notify::testing
