// The forwarder in process: the scripted ScaleFT fake as its source, fake sinks as its sinks. Pages arrive
// in order in every sink, the checkpoint never passes an event a sink has not stored, a stop finishes the
// batch in hand.
#include "daemon/forwarder/forwarder.hpp"
#include "daemon/ops/telemetry.hpp"
#include "daemon/runtime/task_group.hpp"
#include "daemon/source/scaleft_source.hpp"
#include "daemon/state/checkpoint.hpp"
#include "tests/support/fake_sink.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/scripted_scaleft.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <functional>

namespace sf::forwarder {
namespace {

using test::fake_sink;
using test::scaleft_call;
using test::scripted_scaleft;
using ::testing::ElementsAre;
using ids = std::vector<std::string>;

// The whole setup: fake source, state dir, two fake sinks. The forwarder is built by start() so that a test
// can script the fake and tell the sinks what to do first.
struct forwarder_rig {
  forwarder_rig() {
    cfg.source.url = fake.url();
    cfg.source.team = fake.team();
    cfg.source.key_id = "key-1";
    cfg.source.key_secret.value = "secret-1";
    cfg.source.page_size = 3;
    cfg.source.poll_interval = std::chrono::milliseconds(50);
    cfg.state_dir = state.path().string();
    cfg.retry.initial_backoff = std::chrono::milliseconds(10);
    cfg.retry.max_backoff = std::chrono::milliseconds(50);
  }
  forwarder& start(bool once) {
    std::vector<std::unique_ptr<sinks::sink>> sinks;
    for (const char* name : {"a", "b"}) {
      auto s = std::make_unique<fake_sink>(io.get_executor(), name);
      sink.push_back(s.get());
      sinks.push_back(std::move(s));
    }
    source = std::make_unique<source::scaleft_source>(io.get_executor(), cfg);
    fwd = std::make_unique<forwarder>(io.get_executor(), cfg, run_options{once, &tel}, *source,
                                      std::move(sinks));
    return *fwd;
  }
  // Runs the forwarder's tasks in a group, as the run command does, until the group is empty.
  run_totals run() {
    fwd->start(group);
    EXPECT_TRUE(test::run_bounded(io, group.join())) << "the forwarder's tasks did not end";
    return fwd->finish();
  }
  state::checkpoint checkpoint() const {
    auto loaded = state::load_checkpoint(state.path());
    EXPECT_NE(loaded.what, state::loaded_checkpoint::kind::corrupt) << loaded.message;
    return loaded.value;
  }
  // The rule that matters: every event up to the checkpoint is in every sink.
  void expect_checkpoint_behind_every_sink() const {
    const auto cp = checkpoint();
    for (const fake_sink* s : sink) {
      const ids stored = s->stored_ids();
      EXPECT_LE(cp.events_total, stored.size()) << s->name();
      if (!cp.event_id.empty()) {
        EXPECT_NE(std::find(stored.begin(), stored.end(), cp.event_id), stored.end())
            << "checkpoint " << cp.event_id << " passes what sink " << s->name() << " stored";
      }
    }
  }

  boost::asio::io_context io;
  scripted_scaleft fake{io};
  test::temp_dir state{"sf-forwarder"};
  config::forwarder_config cfg;
  std::vector<fake_sink*> sink;  // owned by the forwarder
  runtime::task_group group{io.get_executor(), std::chrono::seconds(5)};
  std::unique_ptr<source::scaleft_source> source;
  std::unique_ptr<forwarder> fwd;
  ops::telemetry tel;
};

TEST(ForwarderComponent, PagesArriveInOrderInEverySinkAndTheCheckpointFollows) {
  forwarder_rig rig;
  rig.fake
      .then(scaleft_call::audits,
            scripted_scaleft::page(scripted_scaleft::events(0, 3),
                                   rig.fake.team_path("/auditsV2?count=3&offset=evt-2")))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(3, 2)))  // short, no link
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(5, 1)));
  rig.start(true);
  const run_totals totals = rig.run();
  EXPECT_EQ(totals.events, 6u);
  for (const fake_sink* s : rig.sink) {
    EXPECT_THAT(s->batches(),
                ElementsAre(ids{"evt-0", "evt-1", "evt-2"}, ids{"evt-3", "evt-4"}, ids{"evt-5"}))
        << s->name();
  }
  // A short page is not the end: the next request goes on from its last id; only the empty page ends it.
  std::vector<std::string> targets;
  for (const auto& r : rig.fake.requests(scaleft_call::audits)) targets.push_back(r.target);
  EXPECT_THAT(targets,
              ElementsAre("/v1/teams/acme/auditsV2?count=3", "/v1/teams/acme/auditsV2?count=3&offset=evt-2",
                          "/v1/teams/acme/auditsV2?count=3&offset=evt-4",
                          "/v1/teams/acme/auditsV2?count=3&offset=evt-5"));
  const auto cp = rig.checkpoint();
  EXPECT_EQ(cp.event_id, "evt-5");
  EXPECT_EQ(cp.events_total, 6u);
}

TEST(ForwarderComponent, ASinkThatFailsHoldsTheCheckpointBehindWhatItStored) {
  forwarder_rig rig;
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 3)))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(3, 3)))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(6, 3)));
  rig.start(true);
  rig.sink[1]->fail_after(1);  // b stores the first page, then every delivery fails
  rig.run();
  EXPECT_TRUE(rig.group.failed());  // the run exits 1
  EXPECT_THAT(rig.sink[1]->stored_ids(), ElementsAre("evt-0", "evt-1", "evt-2"));
  EXPECT_GE(rig.sink[1]->failures(), 1u);
  rig.expect_checkpoint_behind_every_sink();
  const auto cp = rig.checkpoint();
  EXPECT_TRUE(cp.event_id.empty() || cp.event_id == "evt-2") << cp.event_id;
}

TEST(ForwarderComponent, AStopFinishesTheBatchInHandAndCommitsIt) {
  forwarder_rig rig;
  for (int page = 0; page < 5; ++page)
    rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(page * 3, 3)));
  rig.start(false);
  rig.sink[0]->hang();
  // Once sink a holds a batch: stop, then let that batch finish a little later.
  boost::asio::steady_timer poll(rig.io);
  std::function<void()> watch = [&] {
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (rig.sink[0]->waiting() == 0) return watch();
      rig.group.stop();
      poll.expires_after(std::chrono::milliseconds(100));
      poll.async_wait([&](boost::system::error_code) { rig.sink[0]->release(); });
    });
  };
  watch();
  const run_totals totals = rig.run();
  EXPECT_THAT(rig.sink[0]->batches(), ElementsAre(ids{"evt-0", "evt-1", "evt-2"}));  // nothing after the stop
  EXPECT_EQ(totals.events, 3u);
  const auto cp = rig.checkpoint();
  EXPECT_EQ(cp.event_id, "evt-2");
  rig.expect_checkpoint_behind_every_sink();
}

// The checkpoint is written at most once per checkpoint_interval: the first delivered page at once, later
// ones held (already stored, so a crash would only send them again) until the interval ends or the run does.
TEST(ForwarderComponent, WithinTheIntervalDeliveredPagesWaitAndAStopWritesThem) {
  forwarder_rig rig;
  rig.cfg.checkpoint_interval = std::chrono::hours(1);
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 3)))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(3, 3)));
  rig.start(false);
  boost::asio::steady_timer poll(rig.io);
  std::string on_disk_while_running;
  std::function<void()> watch = [&] {
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (rig.sink[0]->stored_ids().size() < 6 || rig.sink[1]->stored_ids().size() < 6) return watch();
      poll.expires_after(std::chrono::milliseconds(200));  // room for a (wrong) write to happen
      poll.async_wait([&](boost::system::error_code) {
        on_disk_while_running = rig.checkpoint().event_id;
        rig.group.stop();
      });
    });
  };
  watch();
  rig.run();
  EXPECT_EQ(on_disk_while_running, "evt-2");
  EXPECT_EQ(rig.checkpoint().event_id, "evt-5");
  EXPECT_EQ(rig.checkpoint().events_total, 6u);
}

// Held pages are written when the interval ends even if no page follows (a caught-up source).
TEST(ForwarderComponent, AHeldCheckpointIsWrittenWhenTheIntervalEnds) {
  forwarder_rig rig;
  rig.cfg.checkpoint_interval = std::chrono::milliseconds(150);
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 3)))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(3, 3)));
  rig.start(false);
  boost::asio::steady_timer poll(rig.io);
  const auto started = std::chrono::steady_clock::now();
  bool written_while_running = false;
  std::function<void()> watch = [&] {
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      written_while_running = rig.checkpoint().event_id == "evt-5";
      if (written_while_running || std::chrono::steady_clock::now() - started > std::chrono::seconds(3))
        return rig.group.stop();
      watch();
    });
  };
  watch();
  rig.run();
  EXPECT_TRUE(written_while_running);
  rig.expect_checkpoint_behind_every_sink();
}

// Once caught up with every page delivered, the freed heap goes back to the kernel: once per catch-up, not at
// every empty poll, and again after new events.
TEST(ForwarderComponent, CaughtUpItReleasesTheHeapOncePerCatchUp) {
  forwarder_rig rig;
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 3)));
  // Empty polls (the fake's default) until the 4th audits call, then one more page.
  for (int i = 0; i < 3; ++i) rig.fake.then(scaleft_call::audits, scripted_scaleft::page({}));
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(3, 3)));
  rig.start(false);
  boost::asio::steady_timer poll(rig.io);
  std::vector<std::uint64_t> releases_at_audits;  // heap_releases seen after each audits request
  std::function<void()> watch = [&] {
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (rig.fake.requests(scaleft_call::audits).size() >= 9) return rig.group.stop();
      watch();
    });
  };
  watch();
  rig.run();
  EXPECT_EQ(rig.checkpoint().events_total, 6u);
  // Two catch-ups (after evt-2 and after evt-5), one release each, whatever the number of empty polls.
  EXPECT_EQ(rig.tel.heap_releases, 2u);
}

}  // namespace
}  // namespace sf::forwarder
