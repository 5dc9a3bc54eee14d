"""The back-office workbench (后台审批工作台): queues with countdowns and the actions they allow."""
