// The thread pool that matmul.cc and conv_direct.cc split one product or convolution over.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sharebox_native {

// A small pool for splitting one product over the cores. A job is a list of chunks that every participating thread
// (the calling JavaScript thread included) takes from a shared counter, so a worker that the OS has descheduled —
// the machine is often shared with other processes — simply takes fewer chunks instead of making the caller wait
// for a fixed half. Workers spin briefly after a job (a training step issues matmuls back to back), then sleep.

class Pool {
 public:
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Sets the thread count, the calling thread included, to `threads` clamped to [1, 8].
  void resize(int threads);

  // Runs fn(chunk) for every chunk in [0, chunks), spread over the pool.
  void run(int chunks, const std::function<void(int)>& fn);

 private:
  struct Job {
    const std::function<void(int)>* fn;
    int chunks;
    std::atomic<int> next{0};
    std::atomic<int> done{0};
  };

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  static void work(Job& job) {
    for (int c = job.next.fetch_add(1); c < job.chunks; c = job.next.fetch_add(1)) {
      (*job.fn)(c);
      job.done.fetch_add(1);
    }
  }

  void loop();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<Job*> job_{nullptr};
  std::atomic<int> active_{0};
  bool stop_ = false;
};

// One pool per process, made by addon.cc's Init.
extern Pool* gPool;
// Held while the pool runs a job: a second JavaScript thread (a worker_thread that loaded the addon too) that finds
// it taken computes on its own thread instead of sharing the pool.
extern std::mutex gPoolUse;

// Products smaller than this many multiply-adds run on one thread (a wake-up costs more than they take).
constexpr double kParallelMinMacs = 1 << 20;

}  // namespace sharebox_native
