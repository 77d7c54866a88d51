# Entry points for people and CI. Each target installs what is missing,
# configures, builds with every core, then does its job.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

.PHONY: demo test test-all bench build deps clean

deps:
	@./tools/ensure-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

## Runs word count on the bundled text and prints the top words and job figures.
demo: build
	./$(BUILD_DIR)/apps/rivulet run word-count --input data/sample.txt --top 10

## Runs the bounded test suite (everything not tagged [slow]).
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow

## Runs every test, slow soak tests included.
test-all: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

## Runs the benchmarks (word count, then the Yahoo Streaming Benchmark), about 2 minutes.
bench: build
	./$(BUILD_DIR)/apps/rivulet-bench word-count
	./$(BUILD_DIR)/apps/rivulet-bench ysb

clean:
	rm -rf $(BUILD_DIR)
