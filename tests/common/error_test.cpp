#include "common/error.h"

#include <gtest/gtest.h>

namespace fw {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Fail(ErrorCode::kInvalidArgument, "odd", {"f.yml", 3, 7});
  return x / 2;
}

TEST(ErrorTest, ResultCarriesValueOrLocatedError) {
  EXPECT_EQ(*Half(4), 2);
  auto r = Half(3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().ToString(), "f.yml:3:7: odd");
  EXPECT_EQ(ExitCodeFor(r.error()), 2);
  EXPECT_EQ(r.error().WithContext("loading").message(), "loading: odd");
}

TEST(ErrorTest, LocationWithoutFile) {
  EXPECT_EQ((SourceLocation{"", 4, 2}).ToString(), "line 4, column 2");
  EXPECT_EQ(Error(ErrorCode::kIo, "disk").ToString(), "disk");
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kIo, "disk")), 1);
}

}  // namespace
}  // namespace fw
