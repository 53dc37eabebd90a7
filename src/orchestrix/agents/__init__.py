"""Agents of the development loop: the SupervisorAgent routes chat messages, the BuilderAgent
turns plain words into tool graphs (rules planner offline, llm planner with a model)."""

from orchestrix.agents.builder import BuilderAgent
from orchestrix.agents.diff import Change, WorkflowDiff, diff_workflows
from orchestrix.agents.results import BuildResult, MutationResult, NotUnderstood
from orchestrix.agents.supervisor import SupervisorAgent, SupervisorReply

__all__ = [
    "BuildResult",
    "BuilderAgent",
    "Change",
    "MutationResult",
    "NotUnderstood",
    "SupervisorAgent",
    "SupervisorReply",
    "WorkflowDiff",
    "diff_workflows",
]
