// Page behaviour shared by every page: confirm dialogs for destructive steps, htmx set-up.
