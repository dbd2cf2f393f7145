// The delivery window's rules: each sink gets every page in order, the checkpoint follows the slowest sink,
// and the memory bound pauses fetching.
#include "daemon/forwarder/delivery_window.hpp"

#include <gtest/gtest.h>

namespace {

struct fake_page {
  std::size_t events;
  std::size_t byte_count;
  int seq;
  std::size_t size() const { return events; }
  std::size_t bytes() const { return byte_count; }
};

using window = sf::forwarder::delivery_window<fake_page>;

std::shared_ptr<const fake_page> page(int seq, std::size_t events = 10, std::size_t bytes = 100) {
  return std::make_shared<const fake_page>(fake_page{events, bytes, seq});
}

TEST(DeliveryWindow, EverySinkGetsEveryPageInOrder) {
  window w(2, 1000, 1 << 20);
  for (int i = 0; i < 3; ++i) w.push(page(i));
  for (std::size_t s = 0; s < 2; ++s) {
    for (int i = 0; i < 3; ++i) {
      auto p = w.next_for(s);
      ASSERT_TRUE(p);
      EXPECT_EQ(p->seq, i);
      w.delivered(s);
    }
    EXPECT_EQ(w.next_for(s), nullptr);
  }
}

TEST(DeliveryWindow, CheckpointFollowsTheSlowestSink) {
  window w(2, 1000, 1 << 20);
  for (int i = 0; i < 3; ++i) w.push(page(i, 10));
  w.delivered(0);
  w.delivered(0);
  w.delivered(0);  // sink 0 has everything
  EXPECT_EQ(w.pop_delivered().newest, nullptr) << "sink 1 has stored nothing: nothing may be committed";
  w.delivered(1);
  auto r = w.pop_delivered();
  ASSERT_TRUE(r.newest);
  EXPECT_EQ(r.newest->seq, 0);
  EXPECT_EQ(r.events, 10u);
  w.delivered(1);
  w.delivered(1);
  r = w.pop_delivered();
  ASSERT_TRUE(r.newest);
  EXPECT_EQ(r.newest->seq, 2) << "several delivered pages are committed at once, up to the newest";
  EXPECT_EQ(r.events, 20u);
  EXPECT_EQ(w.buffered_pages(), 0u);
}

TEST(DeliveryWindow, MemoryBoundPausesFetchingAndReleasesOnCommit) {
  window w(2, 25, 1 << 20);  // room for fewer than 3 pages of 10 events
  EXPECT_TRUE(w.has_room());
  w.push(page(0));
  w.push(page(1));
  EXPECT_TRUE(w.has_room());
  w.push(page(2));
  EXPECT_FALSE(w.has_room()) << "30 buffered events reach the 25-event bound";
  // A sink that is down holds everything back; the other keeps going but cannot free memory alone.
  for (int i = 0; i < 3; ++i) w.delivered(0);
  EXPECT_EQ(w.pop_delivered().newest, nullptr);
  EXPECT_FALSE(w.has_room());
  EXPECT_EQ(w.backlog(1), 3u);
  w.delivered(1);
  EXPECT_TRUE(w.pop_delivered().newest);
  EXPECT_EQ(w.buffered_events(), 20u);
  EXPECT_TRUE(w.has_room());
}

TEST(DeliveryWindow, ByteBoundCountsToo) {
  window w(1, 1000000, 250);
  w.push(page(0, 1, 200));
  EXPECT_TRUE(w.has_room());
  w.push(page(1, 1, 100));
  EXPECT_FALSE(w.has_room());
}

TEST(DeliveryWindow, AnEmptyWindowAlwaysHasRoomForOnePage) {
  window w(1, 1000, 1000);
  EXPECT_TRUE(w.has_room());
  w.push(page(0, 5000, 5000000));  // a page larger than both bounds
  EXPECT_FALSE(w.has_room());
  w.delivered(0);
  EXPECT_TRUE(w.pop_delivered().newest);
  EXPECT_TRUE(w.has_room());
}

}  // namespace
