# Copied to build/lambda/Makefile by `make stage`; `sam build` runs it for every function (BuildMethod: makefile).
# build/lambda is already the whole package (the code, and requirements.lock installed with --require-hashes
# for python3.12/arm64), so a function's artifact is a copy of it, compiled extensions included.
build-%:
	@cp -R $(filter-out Makefile,$(wildcard *)) "$(ARTIFACTS_DIR)" && echo "copied the staged package to $(ARTIFACTS_DIR)"
