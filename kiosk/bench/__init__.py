"""``kiosk bench``: the performance budgets of issue 10, measured side by side.

Every figure is compared with something measured in the same run on the same
machine (a bare Textual app, a 1,000-member store), never with an absolute
time, because the machine is shared and noisy.  A missed budget is printed as
OVER BUDGET; only errors (exceptions, failed recoveries, errors in worker
processes) make the command fail.
"""
