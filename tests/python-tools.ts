export { codeNodePython, ensurePythonPackages, tail } from "../server/sandbox/python-packages";
