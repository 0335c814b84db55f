#pragma once
// A runbook is data: when it applies (hypothesis categories, incident label
// matchers), whether a human must approve it, and its steps in order. Loaded
// from YAML and validated in full before anything runs: every error names
// file:line:column and the field, and says what to write instead, e.g.
//   db_pool_exhaustion.yml:14:13: steps[1].args.instance: unknown variable
//   .suspect.host (known: incident.*, hypothesis.*, suspect.*, labels.*, ...)
//
// Steps are one of: action (through an ActionAdapter), wait, verify (a PromQL
// condition that must hold `for` a duration within a `timeout`; it holds when
// the query returns a non-empty result, like an alert expression), approve
// (a gate with a timeout), notify, and query (reads labels or the value of a
// PromQL result into variables for later steps). See docs/runbooks.md.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/error.h"
#include "common/labels.h"
#include "runbook/template.h"

namespace fw::runbook {

enum class StepKind { kAction, kWait, kVerify, kApprove, kNotify, kQuery };
const char* StepKindName(StepKind k);  // "action"

// What happens when a step fails (or times out).
enum class OnFailure {
  kStop,      // the run fails
  kRevert,    // undo the completed action steps that declare `revert`, newest first; then fail
  kEscalate,  // the run ends as escalated: humans take over
  kContinue,  // note the failure and go on with the next step
};
const char* OnFailureName(OnFailure f);

// `when:`: every condition given must hold for the step to run.
struct Condition {
  std::vector<std::string> set;    // variables that must have a non-empty value
  std::vector<std::string> unset;  // variables that must be empty or absent
  std::string promql;              // must return a non-empty result ("" = none)
  bool empty() const { return set.empty() && unset.empty() && promql.empty(); }
};

struct ActionTemplate {
  std::string action;                    // from the action catalog below
  std::map<std::string, Template> args;  // templated against the run's variables
};

struct Step {
  std::string name;
  StepKind kind = StepKind::kAction;
  std::string phase;  // containment, resolution or recovery
  Condition when;
  OnFailure on_failure = OnFailure::kStop;
  int line = 0;  // where it was declared, for messages

  ActionTemplate action;                       // kAction
  std::optional<ActionTemplate> revert;        // kAction: how to undo it
  Millis wait{0};                              // kWait
  Template expr;                               // kVerify, kQuery: the PromQL (templated)
  Millis hold_for{0};                          // kVerify: `for`
  Millis timeout{0};                           // kVerify, kApprove
  Millis interval{15'000};                     // kVerify: evaluation interval
  Template message;                            // kNotify, kApprove: what people read
  std::string channel;                         // kNotify: where ("" = the incident's channel)
  std::map<std::string, std::string> capture;  // kQuery: variable -> label, or "$value"
};

struct Runbook {
  std::string name;
  std::string description;
  std::string file;                     // where it was loaded from
  std::vector<std::string> categories;  // applies_to.categories; empty = any
  std::vector<std::string> matchers;    // applies_to.labels, as written (`service=~"shop|cart"`)
  bool requires_approval = false;
  Millis approval_timeout{15 * 60'000};
  std::map<std::string, std::string> vars;  // declared variables and their defaults
  std::vector<Step> steps;
};

// Parses and validates. `source_name` is used in error locations. On error
// the first problem is returned; `all_errors`, when given, receives each.
Result<Runbook> ParseRunbook(const std::string& yaml_text, const std::string& source_name,
                             std::vector<Error>* all_errors = nullptr);
Result<Runbook> LoadRunbookFile(const std::string& path, std::vector<Error>* all_errors = nullptr);

// Every *.yml / *.yaml file in `dir`, sorted by name. Files that fail to load
// are reported in `errors` (all of their problems) and left out. Two
// runbooks with one name are an error too.
struct RunbookSet {
  std::vector<Runbook> runbooks;
  std::vector<Error> errors;
  const Runbook* Find(const std::string& name) const;
};
RunbookSet LoadRunbookDir(const std::string& dir);

// Whether `rb` applies to an incident with these labels and the top
// hypothesis `category` ("" = unknown: category filters do not match).
bool Applies(const Runbook& rb, const std::string& category, const LabelSet& labels);

// The actions runbooks may name, with the arguments each requires.
struct ActionInfo {
  const char* name;
  std::vector<std::vector<const char*>> one_of;  // each group: exactly one must be given
  const char* summary;
};
const std::vector<ActionInfo>& ActionCatalog();
const ActionInfo* FindAction(const std::string& name);

// Variable names a runbook may use without declaring them under `vars:`.
bool IsContextVariable(const std::string& name);

}  // namespace fw::runbook
