// Widgets of the schema forms (pickers, buyers editor, money, dates); progressive enhancement over plain inputs.
