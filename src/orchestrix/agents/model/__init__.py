"""The API model between the words and the graph: its schema, the rules planner's reading of
words into it, and the compilers from it to a graph and to the graph's tests."""

from orchestrix.agents.model.compile_graph import compile_model
from orchestrix.agents.model.read import read_model
from orchestrix.agents.model.schema import MODEL_VERSION, ApiModel, model_json_schema

__all__ = ["MODEL_VERSION", "ApiModel", "compile_model", "model_json_schema", "read_model"]
