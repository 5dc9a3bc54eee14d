"""The screen facing the applicant (群众端屏幕): the case in large type, then 好差评."""
