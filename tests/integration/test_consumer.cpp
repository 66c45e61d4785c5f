// One consumer, one pass: an iterator ends with its pass, a second thread calling in is an error that
// says so, a poll while next() waits can end the pass; and a forked child gets a working loader.
#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace imgbatch;
using clock_type = std::chrono::steady_clock;

namespace {

struct textured_data {
  test::temp_dir dir;
  explicit textured_data(int n) {
    test::write_textured_dataset(dir / "seg", n, true, 5, [](int i) {
      return std::array<int, 2>{20 + i % 5, 24 + i % 3};
    });
  }
  pipeline_spec spec(int threads) const {
    pipeline_spec s = test::seg_spec(dir.path(), "seg", 5);
    s.sampler.shuffle = true;
    s.transforms = {random_resized_crop_op{.size = size2{16, 16}}, hflip_op{}};
    s.batch.size = 4;
    s.batch.image_type = dtype::uint8;
    s.loader.threads = threads;
    s.loader.prefetch_batches = 3;
    return s;
  }
  // Batches that take about a second each with one thread: images blown up and blurred.
  pipeline_spec slow_spec() const {
    pipeline_spec s = spec(1);
    s.transforms = {resize_op{.size = size2{1024, 1024}},
                    gaussian_blur_op{.kernel_size = {61, 61}, .sigma = {9.0, 9.0}}};
    s.batch.size = 2;
    s.loader.prefetch_batches = 1;
    return s;
  }
};

// FNV-1a of a batch's index and the bytes of its image and mask: equal only for equal batches.
std::uint64_t fingerprint(const batch& b) {
  std::uint64_t h = 0xcbf29ce484222325ull ^ b.index();
  for (const char* name : {"image", "mask"}) {
    const tensor& t = b[name];
    const auto* p = static_cast<const unsigned char*>(t.raw());
    for (std::size_t i = 0; i < t.nbytes(); ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  }
  return h;
}

std::vector<std::uint64_t> full_pass(loader& l) {
  std::vector<std::uint64_t> out;
  for (const batch& b : l) out.push_back(fingerprint(b));
  return out;
}

}  // namespace

TEST_CASE("consumer: stop, set_epoch, restore and another begin each end an iterator's pass") {
  textured_data d(24);
  loader l(d.spec(2));
  const std::size_t n = l.size();
  REQUIRE(n == 6);

  SUBCASE("stop") {
    std::vector<std::size_t> seen;
    for (const batch& b : l) {
      seen.push_back(b.index());
      l.stop();
      REQUIRE(seen.size() < 4);  // before: the loop went on with batch 0 of a new pass, forever
    }
    CHECK(seen == std::vector<std::size_t>{0});
  }
  SUBCASE("set_epoch") {
    std::vector<std::uint64_t> epochs;
    l.set_epoch(3);
    for (const batch& b : l) {
      epochs.push_back(b.epoch());
      l.set_epoch(4);
      REQUIRE(epochs.size() < 4);  // before: the loop ran on into epoch 4 and never ended
    }
    CHECK(epochs == std::vector<std::uint64_t>{3});
    auto b = l.next();
    REQUIRE(b);
    CHECK((b->epoch() == 4 && b->index() == 0));
  }
  SUBCASE("restore") {
    const cursor c = l.state();
    std::size_t seen = 0;
    for (const batch& b : l) {
      (void)b;
      ++seen;
      l.restore(c);
      REQUIRE(seen < 4);
    }
    CHECK(seen == 1);
  }
  SUBCASE("another begin") {
    auto first = l.begin();
    REQUIRE(first != l.end());
    auto second = l.begin();  // a new pass: the first iterator's is over
    ++first;
    CHECK(first == l.end());
    std::size_t rest = 1;
    for (++second; second != l.end(); ++second) ++rest;
    CHECK(rest == n);  // the second pass is whole
  }
  // The loader goes on: a full pass gives every batch of the epoch.
  l.set_epoch(0);
  CHECK(full_pass(l).size() == n);
}

TEST_CASE("consumer: a second thread calling next while one waits is an error that says so") {
  textured_data d(4);
  loader l(d.slow_spec());
  std::atomic<bool> inside{false};
  std::optional<batch> got;
  std::thread waiter([&] {
    inside = true;
    got = l.next();
  });
  while (!inside) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the waiter is in next(): a batch takes ~1 s
  std::string msg;
  try {
    l.next();
  } catch (const error& e) {
    msg = e.what();
  }
  // Every consumer call, not only next(), while the waiter is inside one.
  auto refused = [&](const char* what, auto&& call) {
    try {
      call();
    } catch (const error& e) {
      return std::string(e.what()).starts_with(std::string("imgbatch::loader::") + what +
                                               " was called while another thread is inside a call");
    }
    return false;
  };
  const cursor at_start{};
  CHECK(refused("stop()", [&] { l.stop(); }));
  CHECK(refused("set_epoch()", [&] { l.set_epoch(3); }));
  CHECK(refused("restore()", [&] { l.restore(at_start); }));
  CHECK(refused("state()", [&] { (void)l.state(); }));
  CHECK(refused("begin()", [&] { (void)l.begin(); }));
  CHECK(refused("on_wait()", [&] { l.on_wait(nullptr); }));
  waiter.join();
  CHECK(msg ==
        "imgbatch::loader::next() was called while another thread is inside a call of the same loader (next, "
        "set_epoch, stop, restore, state or begin): a loader has one consumer thread at a time");
  REQUIRE(got);
  CHECK(got->index() == 0);  // the waiter's pass went on undisturbed
  got.reset();
  CHECK(l.next()->index() == 1);
}

TEST_CASE("consumer: on_wait polls while next waits, a throw ends the pass promptly and the loader goes on") {
  textured_data d(6);
  loader l(d.slow_spec());
  CHECK_THROWS_WITH_AS(l.on_wait([] {}, std::chrono::milliseconds(0)),
                       "loader::on_wait: the interval must be positive, got 0 ms", config_error);
  loader fresh(d.slow_spec());
  const std::uint64_t first = fingerprint(*fresh.next());
  auto b0 = l.next();  // batch 0 of the pass, then the interrupt while batch 1 is being made
  REQUIRE(b0);
  CHECK(fingerprint(*b0) == first);
  b0.reset();
  std::atomic<int> polls{0};
  clock_type::time_point thrown;
  l.on_wait(
      [&] {
        if (++polls < 4) return;
        thrown = clock_type::now();
        throw std::runtime_error("interrupted");
      },
      std::chrono::milliseconds(20));
  CHECK_THROWS_WITH_AS(l.next(), "interrupted", std::runtime_error);
  // From the throw to the caller: the workers' current stage (up to a second here) is not waited for.
  const double late = std::chrono::duration<double>(clock_type::now() - thrown).count();
  CHECK(polls == 4);
  CHECK(late < 0.05);
  // The pass ended: the next one starts at batch 0 and gives what a fresh loader gives.
  l.on_wait(nullptr);
  auto b = l.next();
  REQUIRE(b);
  CHECK(b->index() == 0);
  CHECK(fingerprint(*b) == first);
}

TEST_CASE("fork: a child forked mid-pass runs a full pass equal to a fresh loader's and exits") {
  textured_data d(24);
  const std::vector<std::uint64_t> want = [&] {
    loader fresh(d.spec(2));
    return full_pass(fresh);
  }();
  REQUIRE(want.size() == 6);
  std::optional<loader> l(std::in_place, d.spec(2));
  CHECK(full_pass(*l) == want);  // the parent's worker threads exist
  auto mid = l->next();          // and a pass is running when it forks
  REQUIRE(mid);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    try {
      mid.reset();  // a batch of the parent's pass goes back to the pool, not into the parent's graph
      std::vector<std::uint64_t> got = full_pass(*l);
      l.reset();  // the child's loader is destroyed: nothing waits for the parent's threads
      (void)!::write(fds[1], got.data(), got.size() * sizeof(std::uint64_t));
    } catch (...) {
      code = 3;
    }
    ::close(fds[1]);
#if defined(__SANITIZE_ADDRESS__)
    // LeakSanitizer's check at exit reports what the parent's vanished threads held (their stacks are
    // not scanned in the child) and does not finish in a child forked from threads: the normal exit is
    // tested in the other builds.
    ::_exit(code);
#else
    std::exit(code);  // a normal exit: static destructors, oneTBB's among them, must not wait for the parent's threads
#endif
  }
  ::close(fds[1]);
  std::vector<std::uint64_t> got;
  const auto deadline = clock_type::now() + std::chrono::seconds(60);
  bool hung = false;
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      hung = true;
      break;
    }
    std::uint64_t v;
    const ssize_t n = ::read(fds[0], &v, sizeof v);
    if (n <= 0) break;
    REQUIRE(n == sizeof v);
    got.push_back(v);
  }
  ::close(fds[0]);
  int status = 0;
  for (int i = 0; !hung && i < 600 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (hung || ::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL("the forked child hung (before: it blocked forever in next())");
  }
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(got == want);
  // The parent goes on with its own pass.
  mid.reset();
  auto b = l->next();
  REQUIRE(b);
  CHECK(b->index() == 1);
}
