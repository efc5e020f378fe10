// The catalog as data: categories and products. Generated from the site spec; do not edit.
module.exports = [[ catalog | js ]];
