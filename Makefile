# Entry points for people and CI. Each target installs what is missing,
# configures, builds with every core, then does its job.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

.PHONY: demo demo-file test test-all bench build deps clean

deps:
	@./tools/ensure-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

## The showcase: an embedded 3-node topic-store cluster, word count from one
## topic to another while a partition leader is killed, counts checked.
demo: build
	./$(BUILD_DIR)/apps/rivulet demo --input data/sample.txt

## The dataflow engine alone: word count of the bundled text, top words and job figures.
demo-file: build
	./$(BUILD_DIR)/apps/rivulet run word-count --input data/sample.txt --top 10

## Runs the bounded test suite (everything not tagged [slow]).
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow

## Runs every test, slow soak tests included.
test-all: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

## Runs the benchmarks (word count, the Yahoo Streaming Benchmark, the topic store produce path), about 3 minutes.
bench: build
	./$(BUILD_DIR)/apps/rivulet-bench word-count
	./$(BUILD_DIR)/apps/rivulet-bench ysb
	./$(BUILD_DIR)/apps/rivulet-bench produce

clean:
	rm -rf $(BUILD_DIR)
