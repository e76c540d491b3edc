"""The command line beside the chat for admins and operators (`cadrebot roster`, `audit`,
`init`), the invite list, and a roster import's preview. Imports no other wing.
"""
