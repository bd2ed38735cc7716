// The seed's two training steps in C++ against libtorch with no binding at all: the floor that
// libtorch itself sets for the Go port (bench/, cmd/aecifar-bench) and the Python original
// (bench/python/steps.py). Same models, losses, optimizers, batch and synthetic inputs as
// steps.py's ae_step and clf_step; one JSON object per line on stdout, with steps.py's field names.
//
//   make bench-cpp && build/bench/steps-cpp [--iters 200] [--warmup 20] [--repeat 1] [--batch 32]
//                                           [--threads N] [--only ae_step,clf_step] [--cache-host-memory 0|1]
//
// --cache-host-memory 1 (the default) keeps freed host memory in the process heap with the mallopt
// settings of csrc/csrc.cpp (torch.CacheHostMemory, which aecifar and aecifar-bench's Go side use);
// without it glibc returns each step's activations to the kernel and page-faults them back in,
// which on the project machine costs C++ as much as Python (about 1.8x on these steps).
//
// Each run of --iters steps is timed with a steady clock; the fastest of --repeat runs is reported,
// as steps.py does. CPU only: the GPU host's figures come from bench/gpu.
#include <malloc.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// ConvAutoencoder of bench/python/seed.py, with its submodule names.
struct ConvAutoencoderImpl : torch::nn::Module {
  torch::nn::Conv2d conv1{torch::nn::Conv2dOptions(3, 16, 3).padding(1)};
  torch::nn::Conv2d conv2{torch::nn::Conv2dOptions(16, 4, 3).padding(1)};
  torch::nn::MaxPool2d pool{torch::nn::MaxPool2dOptions(2).stride(2)};
  torch::nn::ConvTranspose2d t_conv1{torch::nn::ConvTranspose2dOptions(4, 16, 2).stride(2)};
  torch::nn::ConvTranspose2d t_conv2{torch::nn::ConvTranspose2dOptions(16, 3, 2).stride(2)};

  ConvAutoencoderImpl() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("pool", pool);
    register_module("t_conv1", t_conv1);
    register_module("t_conv2", t_conv2);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = pool(torch::relu(conv1(x)));
    x = pool(torch::relu(conv2(x)));
    x = torch::relu(t_conv1(x));
    return torch::sigmoid(t_conv2(x));
  }
};
TORCH_MODULE(ConvAutoencoder);

// MyModel of seed.py: Sequential(conv1, conv2, pool) of the autoencoder (children()[:-2]: no ReLU,
// one pool), then three Linear layers with Dropout(0.2); only the Linear layers train.
struct MyModelImpl : torch::nn::Module {
  torch::nn::Sequential modelA;
  torch::nn::Linear fc1{4 * 16 * 16, 1024}, fc2{1024, 512}, out{512, 10};
  torch::nn::Dropout drop{0.2};

  explicit MyModelImpl(ConvAutoencoder &ae) : modelA(ae->conv1, ae->conv2, ae->pool) {
    register_module("modelA", modelA);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("out", out);
    register_module("drop", drop);
    for (auto &p : modelA->parameters()) p.set_requires_grad(false);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = modelA->forward(x).view({x.size(0), 4 * 16 * 16});
    x = drop(torch::relu(fc1(x)));
    x = drop(torch::relu(fc2(x)));
    return out(x);
  }
};
TORCH_MODULE(MyModel);

struct Args {
  int iters = 200, warmup = 20, repeat = 1, batch = 32, threads = 0;
  bool cache_host_memory = true;
  std::vector<std::string> only{"ae_step", "clf_step"};
};

[[noreturn]] void usage(const std::string &msg) {
  std::cerr << "steps-cpp: " << msg << "\nusage: steps-cpp [--iters N] [--warmup N] [--repeat N] [--batch N] "
            << "[--threads N] [--only ae_step,clf_step] [--cache-host-memory 0|1]\n";
  std::exit(2);
}

int positive(const char *flag, const char *v) {
  char *end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < 1 || n > 1000000000) usage(std::string(flag) + ": not a positive integer: " + v);
  return static_cast<int>(n);
}

Args parse(int argc, char **argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    std::string f = argv[i];
    if (i + 1 >= argc) usage(f == "--help" || f == "-h" ? "the seed's training steps in C++ libtorch" : f + " needs a value");
    const char *v = argv[++i];
    if (f == "--iters") a.iters = positive("--iters", v);
    else if (f == "--warmup") a.warmup = positive("--warmup", v);
    else if (f == "--repeat") a.repeat = positive("--repeat", v);
    else if (f == "--batch") a.batch = positive("--batch", v);
    else if (f == "--threads") a.threads = positive("--threads", v);
    else if (f == "--cache-host-memory") {
      if (std::string(v) != "0" && std::string(v) != "1") usage("--cache-host-memory: 0 or 1, not " + std::string(v));
      a.cache_host_memory = std::string(v) == "1";
    }
    else if (f == "--only") {
      a.only.clear();
      std::stringstream ss(v);
      for (std::string n; std::getline(ss, n, ',');) {
        if (n != "ae_step" && n != "clf_step") usage("unknown benchmark " + n + " (choose from ae_step,clf_step)");
        a.only.push_back(n);
      }
    } else usage("unknown flag " + f);
  }
  return a;
}

// Times the fastest of a.repeat runs of a.iters calls of step, after a.warmup untimed ones.
std::vector<double> time_runs(const Args &a, const std::function<void()> &step) {
  for (int i = 0; i < a.warmup; i++) step();
  std::vector<double> runs;
  for (int r = 0; r < a.repeat; r++) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < a.iters; i++) step();
    runs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return runs;
}

void report(const Args &a, const std::string &name, const std::vector<double> &runs) {
  double best = *std::min_element(runs.begin(), runs.end());
  std::ostringstream rs;
  for (size_t i = 0; i < runs.size(); i++) rs << (i ? ", " : "") << runs[i];
  double images = static_cast<double>(a.batch) * a.iters;
  std::printf("{\"side\": \"cpp\", \"name\": \"%s\", \"device\": \"cpu\", \"batch\": %d, \"iters\": %d, "
              "\"warmup\": %d, \"images\": %.0f, \"seconds\": %.6f, \"repeat_seconds\": [%s], "
              "\"images_per_s\": %.1f, \"ms_per_step\": %.4f, \"torch\": \"%d.%d.%d\", \"threads\": %d, "
              "\"cache_host_memory\": %s}\n",
              name.c_str(), a.batch, a.iters, a.warmup, images, best, rs.str().c_str(), images / best,
              1000.0 * best / a.iters, TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH,
              torch::get_num_threads(), a.cache_host_memory ? "true" : "false");
  std::fflush(stdout);
}

void ae_step(const Args &a) {
  ConvAutoencoder model;
  torch::nn::MSELoss loss_function;
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.001));
  auto images = torch::randn({a.batch, 3, 32, 32});
  report(a, "ae_step", time_runs(a, [&] {
           optimizer.zero_grad();
           auto loss = loss_function(model->forward(images), images);
           loss.backward();
           optimizer.step();
         }));
}

void clf_step(const Args &a) {
  ConvAutoencoder ae;
  MyModel model(ae);
  model->train();
  torch::nn::CrossEntropyLoss criterion;
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.001));
  auto data = torch::randn({a.batch, 3, 32, 32});
  auto target = torch::randint(0, 10, {a.batch}, torch::kLong);
  report(a, "clf_step", time_runs(a, [&] {
           optimizer.zero_grad();
           auto loss = criterion(model->forward(data), target);
           loss.backward();
           optimizer.step();
         }));
}

}  // namespace

int main(int argc, char **argv) {
  Args a = parse(argc, argv);
  if (a.threads) torch::set_num_threads(a.threads);
  // csrc_cache_host_memory's settings: mmap only above 32 MiB, trim only above 1 GiB.
  if (a.cache_host_memory && !(mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) && mallopt(M_TRIM_THRESHOLD, 1 << 30)))
    std::cerr << "steps-cpp: mallopt refused; freed host memory goes back to the kernel\n";
  try {
    for (const auto &n : a.only) {
      if (n == "ae_step") ae_step(a);
      else clf_step(a);
    }
  } catch (const std::exception &e) {
    std::cerr << "steps-cpp: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
