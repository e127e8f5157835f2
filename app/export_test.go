package app

// CareLOINCs are the LOINC codes an import reads as results whatever their
// category (those the care rules and measures read), for the round trip's
// reading of the original file as Folio reads it.
var CareLOINCs = careLOINCs
