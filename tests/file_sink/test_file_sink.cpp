// Tests of the file sink: whole lines and frames only, torn tails cut at start, disk errors retried, reopen.
#include "tests/file_sink/file_sink_test_support.hpp"

#include "daemon/ops/telemetry.hpp"

TEST(FileSinkPure, NdjsonTailKeepsEverythingUpToTheLastNewline) {
  EXPECT_EQ(sf::sinks::file::check_ndjson_tail("a\nb\n", 10).keep, 14u);
  EXPECT_EQ(sf::sinks::file::check_ndjson_tail("a\nb\n", 10).reason, "");
  EXPECT_EQ(sf::sinks::file::check_ndjson_tail("a\nbc", 10).keep, 12u);
  EXPECT_THAT(sf::sinks::file::check_ndjson_tail("a\nbc", 10).reason, HasSubstr("no newline"));
  EXPECT_EQ(sf::sinks::file::check_ndjson_tail("abc", 10).keep, 10u);
}

TEST(FileSink, AppendsCompleteLinesCreatesParentsAndCounts) {
  temp_dir d;
  const fs::path p = d.path() / "a" / "b" / "events.ndjson";
  asio::io_context io;
  const mode_t old = ::umask(022);
  file_sink sink("files", plain(p), io.get_executor());
  ::umask(old);
  const event_batch b1 = make_batch(0, 3), b2 = make_batch(3, 2);
  EXPECT_EQ(run(io, sink.deliver(b1)).stored, 3u);
  EXPECT_EQ(run(io, sink.deliver(b2)).stored, 2u);
  EXPECT_EQ(run(io, sink.deliver(event_batch{})).stored, 0u);
  EXPECT_EQ(slurp(p), std::string(b1.ndjson()) + std::string(b2.ndjson()));
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  const auto c = sink.counters();
  EXPECT_EQ(c.events_stored, 5u);
  EXPECT_EQ(c.batches_stored, 2u);
  EXPECT_EQ(c.bytes_written, b1.ndjson().size() + b2.ndjson().size());
  EXPECT_EQ(c.write_errors, 0u);
}

TEST(FileSink, WithoutFsyncStillAppendsEverything) {
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson";
  asio::io_context io;
  file_sink_config cfg = plain(p);
  cfg.fsync = false;
  file_sink sink("files", cfg, io.get_executor());
  const event_batch b = make_batch(0, 100);
  EXPECT_EQ(run(io, sink.deliver(b)).stored, 100u);
  EXPECT_EQ(slurp(p), b.ndjson());
}

TEST(FileSink, CutsAPartialLastLineAtStartAndAppendsAfterIt) {
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson";
  append_raw(p, "{\"a\":1}\n{\"b\":2}\n{\"c\":3, \"torn");
  asio::io_context io;
  file_sink sink("files", plain(p), io.get_executor());
  EXPECT_EQ(slurp(p), "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(sink.counters().bytes_cut, 13u);  // {"c":3, "torn
  const event_batch b = make_batch(0, 1);
  run(io, sink.deliver(b));
  EXPECT_EQ(slurp(p), "{\"a\":1}\n{\"b\":2}\n" + std::string(b.ndjson()));
}

TEST(FileSink, CutsATornLineLongerThanOneReadChunkAndAFileWithNoNewline) {
  temp_dir d;
  const fs::path p = d.path() / "long.ndjson";
  append_raw(p, "{\"whole\":true}\n" + std::string(200000, 'x'));
  asio::io_context io;
  {
    file_sink sink("files", plain(p), io.get_executor());
    EXPECT_EQ(sink.counters().bytes_cut, 200000u);
  }
  EXPECT_EQ(slurp(p), "{\"whole\":true}\n");
  const fs::path q = d.path() / "zeros.ndjson";
  append_raw(q, std::string(4096, '\0'));  // what a crash can leave: the size grew, the data never landed
  file_sink sink("zeros", plain(q), io.get_executor());
  EXPECT_EQ(fs::file_size(q), 0u);
}

TEST(FileSink, ZstdFramesReadBackWithTheLibraryAndWithZstdcat) {
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson.zst";
  asio::io_context io;
  std::string expected;
  {
    sf::ops::sink_telemetry seen;  // the daemon's telemetry hears of each write (outlives the sink)
    file_sink sink("zfiles", zstd_config(p), io.get_executor());
    sink.set_observer(seen);
    for (int i = 0; i < 3; ++i) {
      const event_batch b = make_batch(i * 50, 50);
      EXPECT_EQ(run(io, sink.deliver(b)).stored, 50u);
      expected += b.ndjson();
    }
    EXPECT_LT(sink.counters().bytes_written, expected.size() / 3);  // repetitive JSON compresses well
    EXPECT_EQ(seen.requests, (std::map<std::string, std::uint64_t>{{"ok", 3}}));
    EXPECT_EQ(seen.payload_bytes, expected.size());
    EXPECT_EQ(seen.wire_bytes, sink.counters().bytes_written);
  }
  std::size_t frames = 0;
  EXPECT_EQ(decompress_all(slurp(p), &frames), expected);
  EXPECT_EQ(frames, 3u);  // one frame per batch, so a crash can only ever tear the last one
  EXPECT_EQ(zstdcat(p), expected);
}

TEST(FileSink, TornFinalZstdFrameIsCutAtStart) {
  temp_dir d;
  const fs::path p = d.path() / "events.zst";
  asio::io_context io;
  std::string expected;
  {
    file_sink sink("zfiles", zstd_config(p), io.get_executor());
    for (int i = 0; i < 2; ++i) {
      const event_batch b = make_batch(i * 10, 10);
      run(io, sink.deliver(b));
      expected += b.ndjson();
    }
  }
  const std::uintmax_t whole = fs::file_size(p);
  // Three kinds of torn final frame: cut short, zero-filled, and whole-looking with damaged content.
  const event_batch extra = make_batch(100, 10);
  std::string frame(ZSTD_compressBound(extra.ndjson().size()), '\0');
  {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    frame.resize(ZSTD_compress2(c, frame.data(), frame.size(), extra.ndjson().data(), extra.ndjson().size()));
    ZSTD_freeCCtx(c);
  }
  std::string damaged = frame;
  damaged[damaged.size() - 6] ^= 0x5a;  // inside the last block, before the 4-byte checksum
  for (const std::string& tail : {frame.substr(0, frame.size() / 2), std::string(512, '\0'), damaged}) {
    append_raw(p, tail);
    ASSERT_EQ(fs::file_size(p), whole + tail.size());
    file_sink sink("zfiles", zstd_config(p), io.get_executor());
    EXPECT_EQ(fs::file_size(p), whole);
    EXPECT_EQ(sink.counters().bytes_cut, tail.size());
    EXPECT_EQ(zstdcat(p), expected);
  }
  // And the sink carries on appending whole frames after the cut.
  file_sink sink("zfiles", zstd_config(p), io.get_executor());
  run(io, sink.deliver(extra));
  EXPECT_EQ(zstdcat(p), expected + std::string(extra.ndjson()));
}

TEST(FileSink, RefusesToAppendToAFileOfTheOtherFormat) {
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson";
  append_raw(p, "{\"a\":1}\n");
  asio::io_context io;
  try {
    file_sink sink("zfiles", zstd_config(p), io.get_executor());
    FAIL() << "accepted an uncompressed file for a zstd sink";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not zstd-compressed"));
    EXPECT_THAT(e.what(), HasSubstr("move the file away"));
  }
  EXPECT_EQ(slurp(p), "{\"a\":1}\n");  // untouched
}

TEST(FileSink, InjectedDiskFullLeavesNoPartialLineAndDeliversOnceTheDiskRecovers) {
  REQUIRE_TEST_HOOKS();
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson";
  const fs::path flag = d.path() / "disk-full";
  fail_writes_scope fail(d.path(), flag);
  asio::io_context io;
  std::string before;
  {
    sf::ops::sink_telemetry seen;
    std::string seen_while_full;
    std::uint64_t errors_while_full = 0;
    failed_write_hook hook(seen, [&](std::uint64_t errors) {
      if (errors != 3) return;
      seen_while_full = slurp(p);
      errors_while_full = errors;
      fs::remove(flag);  // room again
    });
    file_sink sink("files", plain(p), io.get_executor(), fast_retries());
    sink.set_observer(hook);
    const event_batch a = make_batch(0, 5);
    run(io, sink.deliver(a));
    before = a.ndjson();

    append_raw(flag, "");  // the disk fills up
    const event_batch b = make_batch(5, 20);
    const auto report = run(io, sink.deliver(b));
    EXPECT_EQ(seen_while_full, before) << "a partial batch was left in the file while the disk was full";
    EXPECT_GE(errors_while_full, 2u);
    EXPECT_EQ(report.stored, 20u);
    EXPECT_GE(report.requests, 3u);
    EXPECT_EQ(slurp(p), before + std::string(b.ndjson()));
    EXPECT_EQ(sink.counters().events_stored, 25u);
    // What telemetry heard: each failed write, and the batch's events written again after each.
    EXPECT_EQ(seen.requests.at("ok"), 2u);
    EXPECT_EQ(seen.requests.at("error"), sink.counters().write_errors);
    EXPECT_EQ(seen.retried_events, 20u * sink.counters().write_errors);
    EXPECT_EQ(seen.wire_bytes, before.size() + b.ndjson().size());
    EXPECT_EQ(seen.dead_lettered, 0u);
  }
}

TEST(FileSink, InjectedDiskFullWithZstdLeavesOnlyWholeFrames) {
  REQUIRE_TEST_HOOKS();
  temp_dir d;
  const fs::path p = d.path() / "events.zst";
  const fs::path flag = d.path() / "disk-full";
  fail_writes_scope fail(d.path(), flag);
  asio::io_context io;
  std::string seen;
  failed_write_hook hook(sf::sinks::no_sink_observer(), [&](std::uint64_t errors) {
    if (errors != 2) return;
    seen = zstdcat(p);
    fs::remove(flag);
  });
  file_sink sink("zfiles", zstd_config(p), io.get_executor(), fast_retries());
  sink.set_observer(hook);
  const event_batch a = make_batch(0, 5), b = make_batch(5, 5);
  run(io, sink.deliver(a));
  append_raw(flag, "");
  run(io, sink.deliver(b));
  EXPECT_EQ(seen, a.ndjson());
  EXPECT_EQ(zstdcat(p), std::string(a.ndjson()) + std::string(b.ndjson()));
}

TEST(FileSink, CancelledWhileRetryingThrowsAndStoresNothing) {
  REQUIRE_TEST_HOOKS();
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson";
  const fs::path flag = d.path() / "disk-full";
  fail_writes_scope fail(d.path(), flag);
  append_raw(flag, "");
  asio::io_context io;
  file_sink sink("files", plain(p), io.get_executor(), fast_retries());
  const event_batch b = make_batch(0, 10);
  asio::cancellation_signal cancel;
  std::exception_ptr error;
  bool done = false;
  asio::steady_timer stop(io, 150ms);
  stop.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  try {
    done = sf::test::run_bounded(io, sink.deliver(b), 5s, cancel.slot());
  } catch (...) {
    error = std::current_exception();
    done = true;
  }
  ASSERT_TRUE(done) << "cancellation did not end the retry loop";
  EXPECT_TRUE(error) << "a cancelled delivery must not look successful";
  EXPECT_EQ(slurp(p), "");
  EXPECT_EQ(sink.counters().events_stored, 0u);
  EXPECT_GE(sink.counters().write_errors, 1u);
}

TEST(FileSink, RealFileSizeLimitInAChildLeavesNoPartialLineAndRecovers) {
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson";
  const event_batch a = make_batch(0, 2), b = make_batch(2, 50);
  // The kernel itself refuses the write here (EFBIG after a short write), in a child so the limit and the
  // ignored SIGXFSZ stay out of the test process.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    asio::io_context io;
    file_sink sink("files", plain(p), io.get_executor(), fast_retries());
    run(io, sink.deliver(a));
    rlimit old{};
    ::getrlimit(RLIMIT_FSIZE, &old);
    rlimit small = old;
    small.rlim_cur = a.ndjson().size() + b.ndjson().size() / 2;
    if (::setrlimit(RLIMIT_FSIZE, &small) != 0) ::_exit(10);
    bool partial_seen = false;
    asio::steady_timer lift(io, 300ms);
    lift.async_wait([&](boost::system::error_code) {
      partial_seen = slurp(p) != a.ndjson();
      ::setrlimit(RLIMIT_FSIZE, &old);  // the soft limit may be raised back to the hard one
    });
    try {
      run(io, sink.deliver(b));
    } catch (...) {
      ::_exit(11);
    }
    if (partial_seen) ::_exit(12);
    if (sink.counters().write_errors == 0) ::_exit(13);
    ::_exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus)) << "child died by signal " << WTERMSIG(wstatus);
  EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "11: deliver threw, 12: partial line seen, 13: no write error seen";
  EXPECT_EQ(slurp(p), std::string(a.ndjson()) + std::string(b.ndjson()));
}

TEST(FileSink, ReopenAfterRenameWritesToANewFile) {
  temp_dir d;
  const fs::path p = d.path() / "events.ndjson";
  asio::io_context io;
  file_sink sink("files", plain(p), io.get_executor());
  const event_batch a = make_batch(0, 3), b = make_batch(3, 3);
  run(io, sink.deliver(a));
  fs::rename(p, d.path() / "events.ndjson.1");  // what logrotate does before sending SIGHUP
  EXPECT_TRUE(run(io, sink.reopen_file()).ok());
  run(io, sink.deliver(b));
  EXPECT_EQ(slurp(d.path() / "events.ndjson.1"), a.ndjson());
  EXPECT_EQ(slurp(p), b.ndjson());
}

TEST(FileSink, FailedReopenIsReportedAndWritesResumeWhenThePathWorksAgain) {
  temp_dir d;
  const fs::path dir = d.path() / "logs";
  const fs::path p = dir / "events.ndjson";
  asio::io_context io;
  file_sink sink("files", plain(p), io.get_executor(), fast_retries());
  fs::remove_all(dir);
  std::ofstream(dir) << "a file where the directory was";
  sf::state::status s = run(io, sink.reopen_file());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("not a directory"));
  asio::steady_timer fix(io, 150ms);
  fix.async_wait([&](boost::system::error_code) { fs::remove(dir); });
  const event_batch b = make_batch(0, 2);
  EXPECT_EQ(run(io, sink.deliver(b)).stored, 2u);
  EXPECT_EQ(slurp(p), b.ndjson());
  EXPECT_GE(sink.counters().write_errors, 1u);
}

TEST(FileSink, EventLoopKeepsRunningWhileTheDiskThreadWritesAndCompresses) {
  temp_dir d;
  const fs::path p = d.path() / "big.zst";
  asio::io_context io;
  file_sink sink("zfiles", zstd_config(p), io.get_executor());
  const event_batch big = make_batch(0, 40000, 1000);  // ~40 MB: compression plus fsync take a while
  int ticks = 0;
  bool delivering = true;
  asio::steady_timer tick(io);
  std::function<void()> arm = [&] {
    tick.expires_after(2ms);
    tick.async_wait([&](boost::system::error_code ec) {
      if (ec || !delivering) return;
      ++ticks;
      arm();
    });
  };
  arm();
  const auto t0 = std::chrono::steady_clock::now();
  // The assertion below, not the return value, says whether the delivery finished within the bound.
  (void)sf::test::run_bounded(
      io,
      [&]() -> asio::awaitable<sf::sinks::delivery_report> {
        auto r = co_await sink.deliver(big);
        delivering = false;
        tick.cancel();
        co_return r;
      },
      30s);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(delivering) << "the delivery did not finish";
  // A loop blocked in write()/fsync() would see no tick at all until the batch was stored.
  EXPECT_GE(ticks, 3) << "elapsed " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                      << " ms";
  EXPECT_EQ(sink.counters().events_stored, 40000u);
}

