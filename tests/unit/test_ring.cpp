#include "pipeline/ring.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using imgbatch::detail::ring;

TEST_CASE("ring: many producers and consumers through a small ring lose and duplicate nothing") {
  for (std::size_t capacity : {1u, 2u, 7u}) {
    ring<int> q(capacity);
    constexpr int producers = 4, consumers = 4, per = 5000;
    std::atomic<long long> sum{0};
    std::atomic<int> count{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
      threads.emplace_back([&, p] {
        for (int i = 0; i < per; ++i) REQUIRE(q.push(p * per + i + 1));
      });
    for (int c = 0; c < consumers; ++c)
      threads.emplace_back([&] {
        while (auto v = q.pop()) {
          sum += *v;
          if (++count == producers * per) q.close();
        }
      });
    for (auto& t : threads) t.join();
    const long long n = producers * per;
    CHECK(count == n);
    CHECK(sum == n * (n + 1) / 2);
    CHECK(q.size() <= capacity);
  }
}

TEST_CASE("ring: close wakes a blocked consumer and a blocked producer") {
  ring<int> q(1);
  REQUIRE(q.push(1));
  std::atomic<bool> producer_done{false}, consumer_done{false};
  std::thread producer([&] {
    CHECK_FALSE(q.push(2));  // full until closed
    producer_done = true;
  });
  ring<int> empty(1);
  std::thread consumer([&] {
    CHECK_FALSE(empty.pop().has_value());
    consumer_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(producer_done.load());
  CHECK_FALSE(consumer_done.load());
  q.close();
  empty.close();
  producer.join();
  consumer.join();
  CHECK(producer_done.load());
  CHECK(consumer_done.load());
  CHECK(q.pop() == 1);  // items pushed before close can still be drained
  CHECK(q.reset().empty());
  CHECK(q.push(3));  // reopened
}
