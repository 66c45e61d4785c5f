// Built against an installed imgbatch only: the public headers and the CMake package.
#include <imgbatch/imgbatch.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  imgbatch::loader loader(imgbatch::pipeline_spec::from_file(argv[1]));
  std::size_t samples = 0;
  for (const imgbatch::batch& b : loader) samples += b.size();
  std::printf("imgbatch %s: %zu batches, %zu samples\n", std::string(imgbatch::version()).c_str(), loader.size(),
              samples);
  return samples > 0 ? 0 : 1;
}
