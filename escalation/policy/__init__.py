"""The policy study: would a risk score help decide who is offered early help.

The policy study puts prediction and effect together: for rules that could decide who is
offered early help (current practice, everyone, no one, the highest predicted risk, the
largest estimated benefit, a learned shallow tree), it estimates the cumulative incidence
of escalation had the rule decided, with doubly robust scores, family-clustered
intervals and cross-fitting, at the early-help capacity the design states; it describes
who each rule flags by group and judges the design's pre-registered criteria. The
entry point is :func:`evaluate_policies`. A score may support a practitioner's judgement;
it must never make the decision.
"""

from escalation.policy.criteria import judge, judge_criteria
from escalation.policy.groups import disparities, flagged_by_group, policy_groups
from escalation.policy.rules import LearnedRules, describe_tree, learn_rules, top_share
from escalation.policy.study import PolicyStudy, disclose_values, evaluate_policies, rule_label

__all__ = [
    "LearnedRules",
    "PolicyStudy",
    "describe_tree",
    "disclose_values",
    "disparities",
    "evaluate_policies",
    "flagged_by_group",
    "judge",
    "judge_criteria",
    "learn_rules",
    "policy_groups",
    "rule_label",
    "top_share",
]
