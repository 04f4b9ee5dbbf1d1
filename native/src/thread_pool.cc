// The thread pool's workers and its job hand-over (thread_pool.h).
#include "thread_pool.h"

#include <algorithm>
#include <chrono>

namespace sharebox_native {

Pool* gPool = nullptr;
std::mutex gPoolUse;

void Pool::resize(int threads) {
  threads = std::max(1, std::min(8, threads));
  if (threads == size()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  stop_ = false;
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { loop(); });
}

void Pool::run(int chunks, const std::function<void(int)>& fn) {
  if (chunks <= 1 || workers_.empty()) {
    for (int c = 0; c < chunks; c++) fn(c);
    return;
  }
  Job job{&fn, chunks};
  job_.store(&job);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  work(job);
  // Chunks taken by workers may still be running: wait for them, yielding so a descheduled worker can finish.
  for (int spins = 0; job.done.load() != chunks; spins++) {
    if (spins < 2000) {
      pause();
    } else {
      std::this_thread::yield();
    }
  }
  // No worker may touch `job` (on this stack) after we return: unpublish it, then wait for any worker that
  // picked up the pointer before that.
  job_.store(nullptr);
  while (active_.load() != 0) pause();
}

void Pool::loop() {
  uint64_t seen = generation_.load();
  for (;;) {
    const auto spinUntil = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
    while (generation_.load() == seen && std::chrono::steady_clock::now() < spinUntil) pause();
    if (generation_.load() == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load();
    if (stop_) return;
    active_.fetch_add(1);
    if (Job* job = job_.load()) work(*job);
    active_.fetch_sub(1);
  }
}

}  // namespace sharebox_native
